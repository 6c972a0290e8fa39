#!/usr/bin/perl
# write_mmdb.pl: a GeoLite2-Country-shaped MMDB for bench/steer/run.sh, one record per line of
# a "CIDR REGION COUNTRY CONTINENT" file (the bench's client subnets). Generated, never
# downloaded; needs Debian's libmaxmind-db-writer-perl.
# SPDX-License-Identifier: MIT
# usage: write_mmdb.pl SUBNETS.TSV OUT.mmdb
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ( $in, $out ) = @ARGV;
die "usage: $0 SUBNETS.TSV OUT.mmdb\n" unless defined $out;
my %types = (
    code => 'utf8_string', continent => 'map', country => 'map', en => 'utf8_string',
    geoname_id => 'uint32', iso_code => 'utf8_string', names => 'map',
);
my %continent_name = ( EU => 'Europe', NA => 'North America', AS => 'Asia' );
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, database_type => 'GeoLite2-Country',
    languages => ['en'], description => { en => 'mxsteer bench/steer subnets' },
    map_key_type_callback => sub { $types{ $_[0] } },
    alias_ipv6_to_ipv4 => 1, remove_reserved_networks => 0,
);
$tree->_set_build_epoch(1_700_000_000);
open my $fh, '<', $in or die "$in: $!\n";
while (<$fh>) {
    chomp;
    my ( $cidr, $region, $country, $continent ) = split /\t/;
    my ( $addr, $len ) = split m{/}, $cidr;  # IPv4 in the IPv6 tree (aliased to ::ffff:0:0/96)
    $tree->insert_network( "$addr/$len", {
        continent => { code => $continent, names => { en => $continent_name{$continent} } },
        country   => { iso_code => $country, names => { en => $country } },
    } );
}
open my $o, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($o);
close $o or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "$out: $!\n";
