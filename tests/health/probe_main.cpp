// health_probe: one SMTP probe from the command line, for test scripts (the Postfix test).
// usage: health_probe [--resume] EXCHANGE ADDRESS PORT [off|opportunistic|required] [CA_FILE]
// Prints "<state> <phase> <reason>" and exits 0 (up), 1 (anything else) or 2 (usage). With
// --resume it probes twice, the second time offering the first probe's TLS session, and prints
// the second probe's result with "tls=full" or "tls=resumed" (or "tls=none") in front.
// SPDX-License-Identifier: MIT
#include "io/prober.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
    using namespace mxsteer;
    const bool twice = argc > 1 && std::string_view{argv[1]} == "--resume";
    if (twice) {
        --argc;
        ++argv;
    }
    if (argc < 4 || argc > 6) {
        std::fprintf(stderr, "usage: health_probe [--resume] EXCHANGE ADDRESS PORT "
                             "[off|opportunistic|required] [CA_FILE]\n");
        return 2;
    }
    try {
        core::HealthConfig config;
        config.probe_name = "probe.example.net";
        if (argc >= 5) {
            const std::string_view mode = argv[4];
            config.starttls = mode == "off"        ? core::StartTls::off
                              : mode == "required" ? core::StartTls::required
                                                   : core::StartTls::opportunistic;
        }
        if (argc == 6) {
            config.ca_file = argv[5];
            config.verify = core::Verify::pkix;
        }
        const core::ProbeTarget target{
            argv[1], argv[2], static_cast<std::uint16_t>(std::stoul(argv[3])), {}};
        io::TlsSession session;
        core::ProbeReport report = io::probe_once(target, config, &session);
        if (twice) {
            report = io::probe_once(target, config, &session);
            std::printf("tls=%s ", !report.tls ? "none" : report.tls_resumed ? "resumed" : "full");
        }
        const core::ProbeResult result = core::classify(report, config);
        std::printf("%s %s %s\n", std::string{core::to_string(result.state)}.c_str(),
                    std::string{core::to_string(result.phase)}.c_str(), result.reason.c_str());
        return result.state == core::Health::up ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "health_probe: %s\n", e.what());
        return 2;
    }
}
