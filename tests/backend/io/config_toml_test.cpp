// Tests of the mxsteerd TOML config: defaults, paths, every error at its line and column, and
// hostile input that must never crash.
// SPDX-License-Identifier: MIT
#include "io/config_toml.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <unistd.h>

using namespace mxsteer;
using core::Listen;
using core::LogLevel;

namespace {

// The one error a config text must produce.
lint::Diagnostic one_error(std::string_view text) {
    const auto result = io::parse_config_toml(text, "/etc/mxsteer/mxsteer.toml");
    INFO("config: " << text);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].rule == "config");
    CHECK(result.errors[0].severity == lint::Severity::error);
    CHECK(result.errors[0].file == "/etc/mxsteer/mxsteer.toml");
    return result.errors[0];
}

// A scratch directory, removed at the end of the test.
class TempDir {
public:
    TempDir()
        : path_(std::filesystem::temp_directory_path() /
                ("mxsteer-config-test-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] std::string write(const std::string& name, std::string_view text) const {
        const auto file = path_ / name;
        std::ofstream out{file, std::ios::binary};
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        return file.string();
    }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace

TEST_CASE("config toml: an empty file means every default") {
    const auto result = io::parse_config_toml("", "mxsteer.toml");
    CHECK(result.errors.empty());
    CHECK(core::to_string(result.config.listen) == "unix:/run/mxsteer/pdns.sock");
    CHECK(result.config.log_level == LogLevel::info);
    CHECK(result.config.zones.empty());

    // Comments and blank lines only: the same.
    CHECK(io::parse_config_toml("# nothing here\n\n", "mxsteer.toml").errors.empty());
}

TEST_CASE("config toml: every key, with paths relative to the config's directory") {
    const auto result = io::parse_config_toml(R"(
listen = "unix:/run/mxsteer/pdns.sock"
log_level = "debug"

[[zones]]
file = "zones/example.com.zone"

[[zones]]
file = "/srv/zones/shared.zone"
origin = "Example.NET"
)",
                                              "/etc/mxsteer/mxsteer.toml");
    REQUIRE(result.errors.empty());
    const auto& config = result.config;
    CHECK(config.listen.kind == Listen::Kind::unix_socket);
    CHECK(config.listen.path == "/run/mxsteer/pdns.sock");
    CHECK(config.listen.at.line == 2);
    CHECK(config.listen.at.column == 10);
    CHECK(config.log_level == LogLevel::debug);
    REQUIRE(config.zones.size() == 2);
    CHECK(config.zones[0].file == "/etc/mxsteer/zones/example.com.zone");
    CHECK_FALSE(config.zones[0].origin);
    CHECK(config.zones[0].at.line == 6);
    // An absolute path stays as it is; the origin is canonical.
    CHECK(config.zones[1].file == "/srv/zones/shared.zone");
    CHECK(config.zones[1].origin == "example.net.");
    CHECK(config.zones[1].at.line == 9);
}

TEST_CASE("config toml: every [health] key reads back as written") {
    const auto result = io::parse_config_toml(R"(
[health]
interval = 10
spread = 1.5
fast_interval = 2
rise = 4
fall = 3
ok_after = 6
backoff_base = 1
backoff_factor = 3
backoff_max = 60
backoff_jitter = 0.25
connect_timeout = 4
banner_timeout = 12
ehlo_timeout = 6
starttls_timeout = 7
tls_timeout = 8
quit_timeout = 1
tls_session_lifetime = 0
max_concurrent = 64
port = 2525
probe_name = "Probe.Example.NET."
starttls = "required"
verify = "both"
ca_file = "certs/ca.pem"
source_address = "192.0.2.53"
initial_state = "down"
exchange_up_when = "all"
max_snapshot_age = 45
status_listen = "127.0.0.1:9054"
)",
                                              "/etc/mxsteer/mxsteer.toml");
    REQUIRE(result.errors.empty());
    REQUIRE(result.steering.health.has_value());
    const auto& h = *result.steering.health;
    const core::HealthConfig& c = h.config;
    using core::Millis;
    CHECK(c.interval == Millis{10000});
    CHECK(c.spread == Millis{1500});
    CHECK(c.fast_interval == Millis{2000});
    CHECK(c.rise == 4);
    CHECK(c.fall == 3);
    CHECK(c.ok_after == 6);
    CHECK(c.backoff_base == Millis{1000});
    CHECK(c.backoff_factor == 3.0);
    CHECK(c.backoff_max == Millis{60000});
    CHECK(c.backoff_jitter == Millis{250});
    CHECK(c.timeouts.connect == Millis{4000});
    CHECK(c.timeouts.banner == Millis{12000});
    CHECK(c.timeouts.ehlo == Millis{6000});
    CHECK(c.timeouts.starttls == Millis{7000});
    CHECK(c.timeouts.tls_handshake == Millis{8000});
    CHECK(c.timeouts.quit == Millis{1000});
    CHECK(c.tls_session_lifetime == Millis{0});
    CHECK(c.max_concurrent == 64);
    CHECK(c.port == 2525);
    CHECK(c.probe_name == "probe.example.net"); // canonical, without the root dot for EHLO
    CHECK(c.starttls == core::StartTls::required);
    CHECK(c.verify == core::Verify::both);
    CHECK(c.ca_file == "/etc/mxsteer/certs/ca.pem");
    CHECK(c.source_address == "192.0.2.53");
    CHECK(c.initial_state == core::Health::down);
    CHECK(c.exchange_up_when == core::ExchangeUpWhen::all);
    CHECK(c.max_snapshot_age_s == 45);
    CHECK(h.status_listen == "127.0.0.1:9054");

    // An empty table: every default, sessions resumed for ten minutes.
    const auto defaults = io::parse_config_toml("[health]\n", "mxsteer.toml");
    REQUIRE(defaults.errors.empty());
    REQUIRE(defaults.steering.health.has_value());
    CHECK(defaults.steering.health->config.tls_session_lifetime == Millis{600000});
    CHECK(defaults.steering.health->config.interval == Millis{3000});
    CHECK(defaults.steering.health->status_listen == "127.0.0.1:8054");
}

TEST_CASE("config toml: relative paths") {
    SUBCASE("a config in the working directory keeps them as written") {
        const auto result =
            io::parse_config_toml("listen = \"unix:pdns.sock\"\nzones = [\"a.zone\"]\n", "m.toml");
        REQUIRE(result.errors.empty());
        CHECK(result.config.listen.path == "pdns.sock");
        CHECK(result.config.zones[0].file == "a.zone");
    }
    SUBCASE("a config elsewhere anchors them, the socket too") {
        const auto result = io::parse_config_toml(
            "listen = \"unix:run/pdns.sock\"\nzones = [\"../zones/a.zone\"]\n", "conf/m.toml");
        REQUIRE(result.errors.empty());
        CHECK(result.config.listen.path == "conf/run/pdns.sock");
        CHECK(result.config.zones[0].file == "conf/../zones/a.zone");
    }
}

TEST_CASE("config toml: the short zones form, alone and mixed with tables") {
    const auto result = io::parse_config_toml(
        "zones = [\"a.example.zone\", { file = \"b.zone\", origin = \"b.example.\" }]\n"
        "listen = \"pipe\"\n",
        "/etc/mxsteer/mxsteer.toml");
    REQUIRE(result.errors.empty());
    CHECK(result.config.listen.kind == Listen::Kind::pipe);
    REQUIRE(result.config.zones.size() == 2);
    CHECK(result.config.zones[0].file == "/etc/mxsteer/a.example.zone");
    CHECK_FALSE(result.config.zones[0].origin);
    CHECK(result.config.zones[0].at.line == 1);
    CHECK(result.config.zones[0].at.column == 10);
    CHECK(result.config.zones[1].file == "/etc/mxsteer/b.zone");
    CHECK(result.config.zones[1].origin == "b.example.");
}

TEST_CASE("config toml: every error says where, what was expected and what was seen") {
    struct Row {
        std::string text;
        std::uint32_t line;
        std::uint32_t column;
        std::string_view message;
    };
    const Row rows[] = {
        {"listen = \"tcp:1\"\n", 1, 10,
         "listen must be 'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT', got 'tcp:1'"},
        {"\n\nlisten = \"unix:\"\n", 3, 10,
         "listen must be 'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT', got 'unix:'"},
        {"listen = 53\n", 1, 10,
         "listen must be a string, 'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT', got an integer"},
        {"log_level = \"loud\"\n", 1, 13,
         "log_level must be 'debug', 'info', 'warning' or 'error', got 'loud'"},
        {"log_level = true\n", 1, 13,
         "log_level must be a string, 'debug', 'info', 'warning' or 'error', got a boolean"},
        {"log_leve = \"info\"\n", 1, 1,
         "unknown key 'log_leve', expected 'listen', 'log_level', 'zones', 'regions', 'networks', "
         "'geoip', 'steer', 'health' or 'overrides'"},
        {"[health]\nfall = 0\n", 2, 8, "health.fall must be an integer from 1 to 100, got 0"},
        {"[health]\ninterval = \"3s\"\n", 2, 12,
         "health.interval must be a number from 0 to 3600 (seconds for durations)"},
        {"[health]\nstarttls = \"maybe\"\n", 2, 12,
         "health.starttls must be one of \"off\", \"opportunistic\", \"required\", got 'maybe'"},
        {"[health]\nsource_address = \"mx.example.com\"\n", 2, 18,
         "health.source_address must be an IP address, got 'mx.example.com'"},
        {"[health]\nintervall = 3\n", 2, 1,
         "unknown key 'health.intervall', expected a duration (interval, spread, fast_interval, "
         "backoff_base, backoff_max, backoff_jitter, *_timeout, tls_session_lifetime), 'rise', "
         "'fall', 'ok_after', "
         "'backoff_factor', 'max_concurrent', 'port', 'max_snapshot_age', 'probe_name', "
         "'ca_file', 'source_address', 'status_listen', 'starttls', 'verify', 'initial_state' or "
         "'exchange_up_when'"},
        {"[[regions]]\nlatitude = 1.5\n", 1, 1,
         "a [[regions]] entry needs 'name', e.g. name = \"eu\""},
        {"[[regions]]\nname = \"eu\"\nlatitude = 91\nlongitude = 0\n", 3, 12,
         "regions.latitude must be a number from -90 to 90"},
        {"[[regions]]\nname = \"eu west\"\n", 2, 8,
         "regions.name must be letters, digits, '-' or '_', got 'eu west'"},
        {"[[regions]]\nname = \"eu\"\nlatitude = 50\n", 1, 1,
         "regions needs both latitude and longitude, or neither"},
        {"[networks]\n\"192.0.2.1/24\" = \"eu\"\n", 2, 1,
         "networks keys must be CIDR blocks like \"192.0.2.0/24\" (host bits zero) or 'files', "
         "got '192.0.2.1/24'"},
        {"[networks]\n\"192.0.2.0/24\" = 1\n", 2, 18,
         "networks.\"192.0.2.0/24\" must be a region name, got an integer"},
        {"[geoip]\ncountries = { de = \"eu\" }\n", 2, 15,
         "geoip.countries keys must be two upper-case letters (ISO 3166 country or continent "
         "codes like DE, EU), got 'de'"},
        {"[geoip]\ndatabse = \"x.mmdb\"\n", 2, 1,
         "unknown key 'geoip.databse', expected 'database', 'default', 'countries' or "
         "'continents'"},
        {"[[steer]]\nttl_max = 10\n", 1, 1,
         "a [[steer]] entry needs 'name', the steered owner like \"example.com.\""},
        {"[[steer]]\nname = \"example.com.\"\nttl_min = -1\n", 3, 11,
         "steer.ttl_min must be an integer from 0 to 604800, got -1"},
        {"[[steer]]\nname = \"example.com.\"\norder = \"nearest\"\n", 3, 9,
         "steer.order must be \"distance\", \"regions\" or a table of region = [pools], got "
         "'nearest'"},
        {"[[steer]]\nname = \"example.com.\"\nrelay_networks = [\"203.0.113.1/28\"]\n", 3, 19,
         "steer.relay_networks entries must be CIDR blocks like \"203.0.113.0/28\", got "
         "'203.0.113.1/28'"},
        {"[[steer]]\nname = \"example.com.\"\n[[steer.pools]]\nname = \"eu\"\n"
         "exchanges = [\"mx..example.com\"]\n",
         5, 14,
         "steer.pools.exchanges entries must be host names like \"mx1.example.com.\", got "
         "'mx..example.com'"},
        {"zones = \"a.zone\"\n", 1, 9,
         "zones must be [[zones]] tables or a list of zone file names, got a string"},
        {"[zones]\nfile = \"a.zone\"\n", 1, 1,
         "zones must be [[zones]] tables or a list of zone file names, got a table"},
        {"zones = [\"a.zone\", 7]\n", 1, 20,
         "a zones entry must be a zone file name or a table with 'file' and 'origin', got an "
         "integer"},
        {"[[zones]]\nfile = 7\n", 2, 8,
         "zones.file must be a string, the zone file's path, got an integer"},
        {"[[zones]]\nfile = \"\"\n", 2, 8, "zones.file must not be empty"},
        {"zones = [\"\"]\n", 1, 10, "zones.file must not be empty"},
        {"[[zones]]\norigin = \"example.com.\"\n", 1, 1,
         "a [[zones]] entry needs 'file', the zone file's path"},
        {"[[zones]]\nfile = \"a.zone\"\nfiel = \"b.zone\"\n", 3, 1,
         "unknown key 'zones.fiel', expected 'file' or 'origin'"},
        {"[[zones]]\nfile = \"a.zone\"\norigin = \"example..com\"\n", 3, 10,
         "zones.origin must be a domain name like 'example.com.', got 'example..com'"},
        {"[[zones]]\nfile = \"a.zone\"\norigin = 1\n", 3, 10,
         "zones.origin must be a string, a domain name like 'example.com.', got an integer"},
        {"[[zones]]\nfile = \"a.zone\"\n[[zones]]\nfile = \"a.zone\"\n", 4, 8,
         "zones: file '/etc/mxsteer/a.zone' is already listed (line 2)"},
        {"zones = [{file = \"a.zone\", origin = \"example.com\"},\n"
         "         {file = \"b.zone\", origin = \"EXAMPLE.com.\"}]\n",
         2, 18, "zones: origin 'example.com.' is already served by '/etc/mxsteer/a.zone' (line 1)"},
        {"listen = \"unix:/" + std::string(120, 's') + "\"\n", 1, 10, ""},
        // Syntax errors come from toml++ with its own wording; the position is what matters.
        {"listen = \"unix:/a\n", 1, 18, ""},
        {"listen = \"pipe\"\nlisten = \"pipe\"\n", 2, 10, ""},
        {"log_level = 'info'\n[[zones]\n", 2, 9, ""},
    };
    for (const auto& row : rows) {
        const auto error = one_error(row.text);
        CAPTURE(row.text);
        CHECK(error.line == row.line);
        CHECK(error.column == row.column);
        if (!row.message.empty()) {
            CHECK(error.message == row.message);
        }
    }
}

TEST_CASE("config toml: a too long socket path is measured after resolving") {
    // 90 bytes of directory + 20 of file name: each fits, together they do not.
    const std::string dir = "/" + std::string(89, 'd');
    const auto result = io::parse_config_toml("listen = \"unix:" + std::string(20, 's') + "\"\n",
                                              dir + "/mxsteer.toml");
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].line == 1);
    CHECK(result.errors[0].message.starts_with(
        "listen socket path must be at most 107 bytes, got 111 bytes"));
}

TEST_CASE("config toml: all errors are reported, in file order") {
    const auto result = io::parse_config_toml("zones = [1]\n"
                                              "listen = \"tcp:1\"\n"
                                              "bogus = 1\n"
                                              "log_level = \"x\"\n",
                                              "m.toml");
    REQUIRE(result.errors.size() == 4);
    for (std::uint32_t i = 0; i < 4; ++i) {
        CHECK(result.errors[i].line == i + 1);
    }
    // The bad values leave the defaults in place.
    CHECK(core::to_string(result.config.listen) == "unix:/run/mxsteer/pdns.sock");
    CHECK(result.config.log_level == LogLevel::info);
}

TEST_CASE("config toml: errors print as file:line:col: error: message") {
    const auto error = one_error("listen = \"tcp:1\"\n");
    CHECK(io::format_config_error(error) == "/etc/mxsteer/mxsteer.toml:1:10: error: listen must be "
                                            "'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT', got "
                                            "'tcp:1'");
    lint::Diagnostic whole{"config", lint::Severity::error, "m.toml", 0, 0, {}, "cannot read"};
    CHECK(io::format_config_error(whole) == "m.toml: error: cannot read");
}

TEST_CASE("config toml: user bytes in messages are escaped") {
    const auto error = one_error("listen = \"\\u0007\\u00e9\"\n");
    CHECK(error.message ==
          "listen must be 'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT', got '\\007\\195\\169'");
    const auto nul = one_error("listen = \"unix:/a\\u0000b\"\n");
    CHECK(nul.message == "listen socket path must not contain a NUL byte, got '/a\\000b'");
}

TEST_CASE("config toml: hostile input is an error, never a crash") {
    SUBCASE("binary garbage") {
        std::mt19937 engine{42}; // seeded: the same bytes every run
        std::uniform_int_distribution<int> byte{0, 255};
        for (int round = 0; round < 200; ++round) {
            std::string text(static_cast<std::size_t>(1 + round * 7), '\0');
            for (auto& c : text) {
                c = static_cast<char>(byte(engine));
            }
            const auto result = io::parse_config_toml(text, "garbage.toml");
            CHECK_FALSE(result.errors.empty());
        }
    }
    SUBCASE("NUL bytes and invalid UTF-8") {
        CHECK_FALSE(io::parse_config_toml(std::string_view{"listen = \"pipe\"\0\n", 17}, "m.toml")
                        .errors.empty());
        CHECK_FALSE(io::parse_config_toml("listen = \"\xff\xfe\"\n", "m.toml").errors.empty());
    }
    SUBCASE("a file over the cap is refused unread") {
        const std::string huge(io::max_config_bytes + 1, '#');
        const auto error = one_error(huge);
        CHECK(error.line == 0);
        CHECK(error.message == "cannot read config: larger than 1048576 bytes");
    }
    SUBCASE("a file just under the cap is parsed") {
        std::string big = "# " + std::string(io::max_config_bytes - 40, 'x') + "\n";
        big += "log_level = \"error\"\n";
        REQUIRE(big.size() <= io::max_config_bytes);
        const auto result = io::parse_config_toml(big, "m.toml");
        CHECK(result.errors.empty());
        CHECK(result.config.log_level == LogLevel::error);
    }
    SUBCASE("deeply nested arrays") {
        const std::string text = "zones = " + std::string(100000, '[') + std::string(100000, ']');
        CHECK_FALSE(io::parse_config_toml(text, "m.toml").errors.empty());
    }
    SUBCASE("deeply nested inline tables") {
        std::string text = "zones = ";
        for (int i = 0; i < 50000; ++i) {
            text += "{a=";
        }
        text += "1" + std::string(50000, '}');
        CHECK_FALSE(io::parse_config_toml(text, "m.toml").errors.empty());
    }
    SUBCASE("deeply dotted keys up to the size cap") {
        // toml++ recurses once per part: ~20,000 parts overflowed the stack before the guard.
        std::string text = "log_level = \"info\"\n";
        while (text.size() < io::max_config_bytes - 16) {
            text += "a.";
        }
        text += "a = 1\n";
        const auto error = one_error(text);
        CHECK(error.line == 2);
        CHECK(error.column == 130); // the 65th dot
        CHECK(error.message ==
              "keys nest too deeply: more than 64 dots outside strings on one line");
        // Table headers nest the same way.
        std::string deep_header = "[";
        for (int i = 0; i < 20000; ++i) {
            deep_header += "a.";
        }
        deep_header += "a]\n";
        CHECK(one_error(deep_header).message.starts_with("keys nest too deeply"));
    }
    SUBCASE("dots in strings and comments are not nesting") {
        const std::string dots(200, '.');
        const auto result =
            io::parse_config_toml("# " + dots + "\n" + "zones = [\"a" + dots + "zone\", 'b" + dots +
                                      "', \"\\\"" + dots + "\"]\n",
                                  "m.toml");
        CHECK(result.errors.empty());
        CHECK(result.config.zones.size() == 3);
        // Multi-line strings span lines, and end with up to two quotes inside them.
        const std::string multi_line =
            "x = \"\"\"\n" + dots + "\n\"\"\"\"\n" + "y = '''" + dots + "\n'''''\n";
        const auto strings = io::parse_config_toml(multi_line, "m.toml");
        REQUIRE(strings.errors.size() == 2);
        CHECK(strings.errors[0].message.starts_with("unknown key 'x'"));
        CHECK(strings.errors[1].line == 4);
        CHECK(strings.errors[1].message.starts_with("unknown key 'y'"));
        // 64 dots are fine for the guard (the key is then unknown to mxsteerd).
        std::string key = "k";
        for (int i = 0; i < 64; ++i) {
            key += ".k";
        }
        CHECK(one_error(key + " = 1\n").message.starts_with("unknown key 'k'"));
        CHECK(one_error(key + ".k = 1\n").message.starts_with("keys nest too deeply"));
    }
    SUBCASE("many zones") {
        std::string text;
        for (int i = 0; i < 20000; ++i) {
            text += "[[zones]]\nfile = \"z" + std::to_string(i) + ".zone\"\n";
        }
        const auto result = io::parse_config_toml(text, "m.toml");
        CHECK(result.errors.empty());
        CHECK(result.config.zones.size() == 20000);
    }
}

TEST_CASE("config toml: reading files") {
    const TempDir dir;
    SUBCASE("a config file, its zones beside it") {
        const auto path = dir.write("mxsteer.toml", "zones = [\"example.com.zone\"]\n");
        const auto result = io::load_config_toml(path);
        REQUIRE(result.errors.empty());
        CHECK(result.config.zones[0].file == (dir.path() / "example.com.zone").string());
    }
    SUBCASE("a missing file") {
        const auto path = (dir.path() / "missing.toml").string();
        const auto result = io::load_config_toml(path);
        REQUIRE(result.errors.size() == 1);
        CHECK(result.errors[0].file == path);
        CHECK(result.errors[0].line == 0);
        CHECK(result.errors[0].message == "cannot read config: No such file or directory");
    }
    SUBCASE("a directory") {
        const auto result = io::load_config_toml(dir.path().string());
        REQUIRE(result.errors.size() == 1);
        CHECK(result.errors[0].message == "cannot read config: Is a directory");
    }
    SUBCASE("a file over the cap") {
        const auto path = dir.write("huge.toml", std::string(io::max_config_bytes + 100, '#'));
        const auto result = io::load_config_toml(path);
        REQUIRE(result.errors.size() == 1);
        CHECK(result.errors[0].message == "cannot read config: larger than 1048576 bytes");
    }
    SUBCASE("a file exactly at the cap") {
        const auto path = dir.write("full.toml", std::string(io::max_config_bytes, '#'));
        CHECK(io::load_config_toml(path).errors.empty());
    }
}
