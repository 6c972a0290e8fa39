#!/usr/bin/perl
# Writes the MMDB test fixtures (MaxMind::DB::Writer, Debian libmaxmind-db-writer-perl) into a
# directory. The build runs it (target geo_fixtures, into BUILD/tests/data/geo); nothing is
# downloaded. The data is made up and holds documentation and loopback addresses only.
# usage: write_mmdb.pl OUTDIR
# SPDX-License-Identifier: MIT
#
# Every fixture places the same blocks (the Country shapes leave out location):
#
#   block              country  continent  location        note
#   192.0.2.0/24       DE       EU         50.1, 8.7
#   198.51.100.0/24    US       NA         39.0, -77.5
#   203.0.113.0/25     JP       AS         35.7, 139.7
#   203.0.113.128/25   SG       AS         1.3, 103.8
#   2001:db8:1::/48    DE       EU         50.1, 8.7
#   2001:db8:2::/48    US       NA         39.0, -77.5
#   2001:db8:3::/48    -        EU         -               continent only
#   2001:db8:4::/48    -        EU         -               registered_country NL only
#   127.0.1.0/24       DE       EU         50.1, 8.7       for end-to-end tests
#   127.0.2.0/24       US       NA         39.0, -77.5     for end-to-end tests
#   127.0.3.0/24       JP       AS         35.7, 139.7     for end-to-end tests
#   127.0.4.0/24       -        EU         -               continent only, for end-to-end tests
#
# Files:
#   geolite2-country.mmdb  GeoLite2-Country shape, IPv6 tree with IPv4 aliases, 24-bit records
#   geolite2-city.mmdb     GeoLite2-City shape (city, location, postal), 28-bit records
#   dbip-city-lite.mmdb    DB-IP lite city shape (subdivisions array, is_in_european_union),
#                          32-bit records
#   ipv4-country.mmdb      Country shape in an IPv4-only tree (the IPv4 blocks only)
#   mapped-country.mmdb    Country shape in an IPv6 tree without aliases whose IPv4 blocks sit
#                          at ::ffff:0:0/96 only (nothing at ::/96)
#   asn.refused.mmdb       GeoLite2-ASN shape: refused, not a country or city database
#   no-geo.refused.mmdb    database_type GeoLite2-Country, records without country or continent
use strict;
use warnings;

use File::Path qw(make_path);
use MaxMind::DB::Writer::Tree;

my $outdir = shift @ARGV or die "usage: $0 OUTDIR\n";

my %types = (
    accuracy_radius                => 'uint16',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    city                           => 'map',
    code                           => 'utf8_string',
    continent                      => 'map',
    country                        => 'map',
    en                             => 'utf8_string',
    geoname_id                     => 'uint32',
    is_anycast                     => 'boolean',
    is_in_european_union           => 'boolean',
    iso_code                       => 'utf8_string',
    latitude                       => 'double',
    location                       => 'map',
    longitude                      => 'double',
    names                          => 'map',
    postal                         => 'map',
    registered_country             => 'map',
    subdivisions                   => [ 'array', 'map' ],
    time_zone                      => 'utf8_string',
    traits                         => 'map',
);

my %continents = (
    EU => { code => 'EU', geoname_id => 6255148, names => { en => 'Europe' } },
    NA => { code => 'NA', geoname_id => 6255149, names => { en => 'North America' } },
    AS => { code => 'AS', geoname_id => 6255147, names => { en => 'Asia' } },
);
my %countries = (
    DE => { iso_code => 'DE', geoname_id => 2921044, names => { en => 'Germany' } },
    US => { iso_code => 'US', geoname_id => 6252001, names => { en => 'United States' } },
    JP => { iso_code => 'JP', geoname_id => 1861060, names => { en => 'Japan' } },
    SG => { iso_code => 'SG', geoname_id => 1880251, names => { en => 'Singapore' } },
    NL => { iso_code => 'NL', geoname_id => 2750405, names => { en => 'Netherlands' } },
);
my %places = (
    DE => [ 'Frankfurt am Main', 50.1, 8.7,    'Europe/Berlin',    '60311', 'HE' ],
    US => [ 'Ashburn',           39.0, -77.5,  'America/New_York', '20147', 'VA' ],
    JP => [ 'Tokyo',             35.7, 139.7,  'Asia/Tokyo',       '100-0001', '13' ],
    SG => [ 'Singapore',         1.3,  103.8,  'Asia/Singapore',   '018989', '01' ],
);

# [block, country, continent, registered country]
my @blocks = (
    [ '192.0.2.0/24',     'DE',  'EU', 'DE' ],
    [ '198.51.100.0/24',  'US',  'NA', 'US' ],
    [ '203.0.113.0/25',   'JP',  'AS', 'JP' ],
    [ '203.0.113.128/25', 'SG',  'AS', 'SG' ],
    [ '2001:db8:1::/48',  'DE',  'EU', 'DE' ],
    [ '2001:db8:2::/48',  'US',  'NA', 'US' ],
    [ '2001:db8:3::/48',  undef, 'EU', undef ],
    [ '2001:db8:4::/48',  undef, 'EU', 'NL' ],
    [ '127.0.1.0/24',     'DE',  'EU', 'DE' ],
    [ '127.0.2.0/24',     'US',  'NA', 'US' ],
    [ '127.0.3.0/24',     'JP',  'AS', 'JP' ],
    [ '127.0.4.0/24',     undef, 'EU', undef ],
);

sub country_record {
    my ( $country, $continent, $registered ) = @_;
    my %record = ( continent => $continents{$continent} );
    $record{country}            = $countries{$country}    if defined $country;
    $record{registered_country} = $countries{$registered} if defined $registered;
    return \%record;
}

sub city_record {
    my ( $country, $continent, $registered ) = @_;
    my $record = country_record( $country, $continent, $registered );
    return $record unless defined $country;
    my ( $city, $lat, $lon, $zone, $postal ) = @{ $places{$country} };
    $record->{city}     = { geoname_id => 1, names => { en => $city } };
    $record->{location} = {
        accuracy_radius => 100,
        latitude        => $lat,
        longitude       => $lon,
        time_zone       => $zone,
    };
    $record->{postal} = { code => $postal };
    return $record;
}

sub dbip_record {
    my ( $country, $continent, $registered ) = @_;
    my $record = city_record( $country, $continent, $registered );
    return $record unless defined $country;
    my $subdivision = $places{$country}[5];
    $record->{country} = { %{ $record->{country} }, is_in_european_union => $continent eq 'EU' };
    $record->{subdivisions} = [ { iso_code => $subdivision, names => { en => $subdivision } } ];
    delete $record->{postal};
    delete $record->{registered_country};
    return $record;
}

sub new_tree {
    my (%args) = @_;
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version            => $args{ip_version},
        record_size           => $args{record_size},
        database_type         => $args{database_type},
        languages             => ['en'],
        description           => { en => "mxsteer test fixture ($args{database_type} shape)" },
        map_key_type_callback => sub { $types{ $_[0] } },
        alias_ipv6_to_ipv4    => $args{alias} // 0,
        # The documentation and loopback blocks are reserved networks, which the writer skips
        # by default.
        remove_reserved_networks => 0,
    );
    # A fixed build time keeps the files byte-identical from build to build (the attribute has
    # no public setter).
    $tree->_set_build_epoch(1_700_000_000);
    return $tree;
}

sub write_tree {
    my ( $tree, $name ) = @_;
    my $path = "$outdir/$name";
    open my $fh, '>:raw', "$path.tmp" or die "cannot write $path.tmp: $!\n";
    $tree->write_tree($fh);
    close $fh or die "cannot write $path.tmp: $!\n";
    rename "$path.tmp", $path or die "cannot rename $path.tmp: $!\n";
    return;
}

sub is_ipv4 { return $_[0] !~ /:/ }

# Writes one fixture: `$record` builds the data of a block, `$place` maps a block to where it
# goes in the tree (undef leaves it out).
sub fixture {
    my ( $name, $record, $place, %args ) = @_;
    my $tree = new_tree(%args);
    for my $block (@blocks) {
        my ( $network, @data ) = @{$block};
        my $at = $place->($network);
        next unless defined $at;
        $tree->insert_network( $at, $record->(@data) );
    }
    write_tree( $tree, $name );
    return;
}

sub as_is { return $_[0] }

sub ipv4_mapped {
    my ($network) = @_;
    return $network unless is_ipv4($network);
    my ( $address, $length ) = split m{/}, $network;
    return sprintf '::ffff:%s/%d', $address, 96 + $length;
}

make_path($outdir);

fixture(
    'geolite2-country.mmdb', \&country_record, \&as_is,
    ip_version    => 6,
    record_size   => 24,
    database_type => 'GeoLite2-Country',
    alias         => 1,
);
fixture(
    'geolite2-city.mmdb', \&city_record, \&as_is,
    ip_version    => 6,
    record_size   => 28,
    database_type => 'GeoLite2-City',
    alias         => 1,
);
fixture(
    'dbip-city-lite.mmdb', \&dbip_record, \&as_is,
    ip_version    => 6,
    record_size   => 32,
    database_type => 'DBIP-City-Lite',
    alias         => 1,
);
fixture(
    'ipv4-country.mmdb', \&country_record, sub { is_ipv4( $_[0] ) ? $_[0] : undef },
    ip_version    => 4,
    record_size   => 24,
    database_type => 'GeoLite2-Country',
);
fixture(
    'mapped-country.mmdb', \&country_record, \&ipv4_mapped,
    ip_version    => 6,
    record_size   => 24,
    database_type => 'GeoLite2-Country',
);
fixture(
    'asn.refused.mmdb',
    sub {
        return { autonomous_system_number => 64496, autonomous_system_organization => 'Example' };
    },
    \&as_is,
    ip_version    => 6,
    record_size   => 24,
    database_type => 'GeoLite2-ASN',
    alias         => 1,
);
fixture(
    'no-geo.refused.mmdb', sub { return { traits => { is_anycast => 1 } } }, \&as_is,
    ip_version    => 6,
    record_size   => 24,
    database_type => 'GeoLite2-Country',
    alias         => 1,
);
