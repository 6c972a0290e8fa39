// tls_floor: what OpenSSL's client side of a probe's TLS costs on this machine, with no network
// and no event loop: the floor under io::Prober's CPU per probe. One thread runs both ends of the
// TLS part of the probe dialogue over memory BIOs, with the prober's own client context
// (io::make_probe_tls_context with the default [health] settings) and a server context made as
// fake_mta makes its own (same certificate; session tickets on or off). Only the client's calls
// are timed, in thread CPU time: SSL_new and the session offer, the handshake, EHLO and its 250
// reply, QUIT and its 221, keeping the session and SSL_free. With --tickets on every handshake
// after the first resumes the newest session, as the prober's do against Postfix; with off
// every one is full.
//
// usage: tls_floor --cert leaf.pem --key leaf.key [--tickets on|off] [--handshakes N]
//                  [--warmup N] [--rate R] [--seconds S [--batch B] [--pause-ms MS]]
// Without --seconds: N handshakes (default 3000) after the warm-up (200; at least 1 with
// tickets, whose first handshake is full). With it: batches of B (100) with MS ms (2000)
// between them for S seconds, to sample the machine's speed beside a prober run without taking
// much CPU from it. Prints one "RESULT key=value ..." line on stdout: the
// client's CPU time per handshake (mean and p50, in µs, less the clock's own cost, measured at
// the start), the lowest and highest batch mean, and what R handshakes per second (default
// 1000: 10,000 targets every 10 s) would cost in % of one core.
// SPDX-License-Identifier: MIT
#include "io/prober.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// The calling thread's CPU time in µs: a thread that is preempted (the prober runs on the same
// CPU) stops its clock. Each reading is a system call, whose own cost is measured and
// subtracted (see clock_cost).
double thread_micros() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// What one lap (two readings) adds to a measurement, from back-to-back laps.
double clock_cost() {
    constexpr int laps = 20000;
    double spent = 0;
    for (int i = 0; i < laps; ++i) {
        const double t0 = thread_micros();
        spent += thread_micros() - t0;
    }
    return spent / laps;
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "tls_floor: %s\n", what);
    ERR_print_errors_fp(stderr);
    std::exit(1);
}

// Moves every byte one end wrote to the other end's input.
void carry(BIO* from, BIO* to) {
    std::array<char, 16384> chunk{};
    int n = 0;
    while ((n = BIO_read(from, chunk.data(), static_cast<int>(chunk.size()))) > 0) {
        if (BIO_write(to, chunk.data(), n) != n) {
            fail("cannot carry TLS records");
        }
    }
}

// One end of the connection: its SSL and the memory BIOs it reads from and writes to.
struct End {
    SSL* ssl = nullptr;
    BIO* in = nullptr;
    BIO* out = nullptr;
};

End make_end(SSL_CTX* ctx, const char* who) {
    End end{SSL_new(ctx), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem())};
    if (end.ssl == nullptr || end.in == nullptr || end.out == nullptr) {
        fail(who);
    }
    SSL_set_bio(end.ssl, end.in, end.out); // the SSL owns the BIOs
    return end;
}

// The server reads one command line (after the handshake completes, which in TLS 1.3 also
// sends its tickets) and writes `reply`.
void serve(const End& client, const End& server, std::string_view reply) {
    carry(client.out, server.in);
    std::array<char, 512> line{};
    if (SSL_read(server.ssl, line.data(), static_cast<int>(line.size())) <= 0) {
        fail("the server read no command");
    }
    if (SSL_write(server.ssl, reply.data(), static_cast<int>(reply.size())) <= 0) {
        fail("the server cannot reply");
    }
    carry(server.out, client.in);
}

// The client reads until it holds one whole reply (the tickets, if any, come first).
void read_reply(SSL* client) {
    std::array<char, 512> in{};
    const int n = SSL_read(client, in.data(), static_cast<int>(in.size()));
    if (n <= 0 || in[static_cast<std::size_t>(n) - 1] != '\n') {
        fail("the client read no reply");
    }
}

// One probe's TLS: returns the client's time in µs; `offer` is the session to offer and, with
// tickets, becomes the newest one.
struct Sample {
    double micros = 0;
    bool resumed = false;
};

Sample handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx, bool tickets,
                 std::shared_ptr<SSL_SESSION>& offer, double lap_cost) {
    constexpr std::string_view ehlo_reply =
        "250-fake.bench.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
    const End server = make_end(server_ctx, "cannot make the server's end");
    SSL_set_accept_state(server.ssl);

    // The client's calls, each run timed; only they count.
    double spent = 0;
    int laps = 0;
    const auto timed = [&spent, &laps](auto&& calls) {
        const double t0 = thread_micros();
        calls();
        spent += thread_micros() - t0;
        ++laps;
    };
    End client;
    int client_done = 0;
    timed([&] {
        client = make_end(client_ctx, "cannot make the client's end");
        SSL_set_connect_state(client.ssl);
        SSL_ctrl(client.ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>("mx1.example.com"));
        if (offer) {
            SSL_set_session(client.ssl, offer.get());
        }
        client_done = SSL_do_handshake(client.ssl);
    });
    for (int round = 0; round < 8 && client_done != 1; ++round) {
        carry(client.out, server.in);
        SSL_do_handshake(server.ssl); // done once it has the client's Finished
        carry(server.out, client.in);
        timed([&] { client_done = SSL_do_handshake(client.ssl); });
    }
    if (client_done != 1) {
        fail("the handshake did not complete");
    }
    timed([&] { SSL_write(client.ssl, "EHLO bench.example.net\r\n", 24); });
    serve(client, server, ehlo_reply);
    timed([&] {
        read_reply(client.ssl);
        SSL_write(client.ssl, "QUIT\r\n", 6);
    });
    serve(client, server, "221 bye\r\n");
    bool reused = false;
    timed([&] {
        read_reply(client.ssl);
        reused = SSL_session_reused(client.ssl) == 1;
        if (tickets) {
            std::shared_ptr<SSL_SESSION> next{SSL_get1_session(client.ssl), &SSL_SESSION_free};
            if (next && SSL_SESSION_is_resumable(next.get()) == 1) {
                offer = std::move(next);
            }
            SSL_set_shutdown(client.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        }
        SSL_free(client.ssl);
    });
    SSL_free(server.ssl);
    return {spent - laps * lap_cost, reused};
}

} // namespace

int main(int argc, char** argv) {
    std::string cert;
    std::string key;
    bool tickets = true;
    long handshakes = 3000;
    long warmup = 200;
    double rate = 1000;
    double seconds = 0;
    long batch = 100;
    long pause_ms = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view a = argv[i];
        const char* v = argv[i + 1];
        if (a == "--cert") {
            cert = v;
        } else if (a == "--key") {
            key = v;
        } else if (a == "--tickets") {
            tickets = std::string_view{v} == "on";
        } else if (a == "--handshakes") {
            handshakes = std::atol(v);
        } else if (a == "--warmup") {
            warmup = std::atol(v);
        } else if (a == "--rate") {
            rate = std::atof(v);
        } else if (a == "--seconds") {
            seconds = std::atof(v);
        } else if (a == "--batch") {
            batch = std::atol(v);
        } else if (a == "--pause-ms") {
            pause_ms = std::atol(v);
        } else {
            std::fprintf(stderr, "tls_floor: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    // With tickets the first handshake is a full one: the warm-up takes it.
    if (cert.empty() || key.empty() || handshakes <= 0 || warmup < (tickets ? 1 : 0) || rate <= 0 ||
        seconds < 0 || batch <= 0 || pause_ms < 0) {
        std::fprintf(stderr, "usage: tls_floor --cert PEM --key PEM [--tickets on|off] "
                             "[--handshakes N] [--warmup N] [--rate R] [--seconds S "
                             "[--batch B] [--pause-ms MS]]\n");
        return 2;
    }

    SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
    if (server_ctx == nullptr ||
        SSL_CTX_use_certificate_chain_file(server_ctx, cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(server_ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        fail("cannot load the server's certificate and key");
    }
    if (!tickets) {
        SSL_CTX_set_session_cache_mode(server_ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(server_ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(server_ctx, 0);
    }
    const auto client_ctx = mxsteer::io::make_probe_tls_context(mxsteer::core::HealthConfig{});

    const double lap_cost = clock_cost();
    std::shared_ptr<SSL_SESSION> offer;
    for (long i = 0; i < warmup; ++i) {
        handshake(server_ctx, client_ctx->native_handle(), tickets, offer, lap_cost);
    }
    // Either `handshakes` in a row, or batches of `batch` every `pause_ms` for `seconds`: a
    // sample of the machine's speed across a prober run, with little CPU taken from it.
    std::vector<double> micros;
    std::vector<double> batch_means;
    long resumed = 0;
    const auto started = Clock::now();
    const auto until = started + std::chrono::duration<double>(seconds);
    do {
        const long n = seconds > 0 ? batch : handshakes;
        double sum = 0;
        for (long i = 0; i < n; ++i) {
            const Sample one =
                handshake(server_ctx, client_ctx->native_handle(), tickets, offer, lap_cost);
            micros.push_back(one.micros);
            sum += one.micros;
            resumed += one.resumed ? 1 : 0;
        }
        batch_means.push_back(sum / static_cast<double>(n));
        if (seconds > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
        }
    } while (seconds > 0 && Clock::now() < until);
    const auto count = static_cast<long>(micros.size());
    if (tickets && resumed != count) {
        fail("a handshake with tickets on did not resume");
    }
    double sum = 0;
    for (const double m : micros) {
        sum += m;
    }
    const double mean = sum / static_cast<double>(count);
    std::sort(micros.begin(), micros.end());
    const double p50 = micros[micros.size() / 2];
    const auto [low, high] = std::minmax_element(batch_means.begin(), batch_means.end());
    std::printf("RESULT tickets=%s handshakes=%ld resumed=%ld client_us_mean=%.1f "
                "client_us_p50=%.1f batch_mean_us_min=%.1f batch_mean_us_max=%.1f rate=%.0f "
                "core_pct_at_rate=%.1f lap_us=%.2f\n",
                tickets ? "on" : "off", count, resumed, mean, p50, *low, *high, rate,
                mean * rate / 1e4, lap_cost);
    SSL_CTX_free(server_ctx);
    return 0;
}
