#!/usr/bin/perl
# mkmmdb.pl OUTDIR - writes small MaxMind DB files in the GeoLite2 City,
# Country and ASN schemas for the GeoIP tests (crafted data, not MaxMind's):
#   OUTDIR/GeoLite2-City.mmdb, GeoLite2-Country.mmdb, GeoLite2-ASN.mmdb
# Exits 77 when MaxMind::DB::Writer is missing (Debian:
# libmaxmind-db-writer-perl), so callers can skip.
use strict;
use warnings;

my $out = shift or die "usage: mkmmdb.pl OUTDIR\n";
eval { require MaxMind::DB::Writer::Tree; 1 } or do {
	print STDERR "mkmmdb.pl: MaxMind::DB::Writer::Tree not installed\n";
	exit 77;
};

my %types = (
	country => 'map', registered_country => 'map', city => 'map',
	continent => 'map', location => 'map', names => 'map',
	iso_code => 'utf8_string', code => 'utf8_string', en => 'utf8_string',
	de => 'utf8_string', geoname_id => 'uint32',
	latitude => 'double', longitude => 'double',
	autonomous_system_number => 'uint32',
	autonomous_system_organization => 'utf8_string',
);

sub write_db {
	my ($type, $nets) = @_;
	my $tree = MaxMind::DB::Writer::Tree->new(
		ip_version => 6,
		record_size => 24,
		database_type => $type,
		languages => ['en'],
		description => { en => "funnelscope test data ($type), crafted" },
		# 198.18.0.0/15 and friends are refused unless this is off.
		remove_reserved_networks => 0,
		map_key_type_callback => sub { $types{ $_[0] } or die "no type for $_[0]" },
	);
	for my $n (@$nets) {
		$tree->insert_network($n->[0], $n->[1]);
	}
	open(my $fh, '>:raw', "$out/$type.mmdb") or die "$out/$type.mmdb: $!";
	$tree->write_tree($fh);
	close($fh) or die "$out/$type.mmdb: $!";
}

my $us = { iso_code => 'US', geoname_id => 6252001, names => { en => 'United States' } };
my $jp = { iso_code => 'JP', geoname_id => 1861060, names => { en => 'Japan' } };

write_db('GeoLite2-City', [
	[ '66.249.64.0/19', {
		continent => { code => 'NA' },
		country => $us,
		city => { geoname_id => 5375480, names => { en => 'Mountain View' } },
		location => { latitude => 37.386, longitude => -122.0838 },
	} ],
	[ '103.84.155.0/24', {
		continent => { code => 'AS' },
		country => $jp,
		city => { geoname_id => 1850147, names => { en => 'Tokyo', de => 'Tokio' } },
	} ],
	# City names are UTF-8 and may hold anything: a control byte to escape.
	[ '198.18.7.0/24', {
		country => { iso_code => 'DE', names => { en => 'Germany' } },
		city => { names => { en => "M\x{fc}nchen\x{1b}[0m" } },
	} ],
	[ '2001:4860::/32', { country => $us } ],
	# The underlay and documentation addresses inside captures/ (fdecode).
	[ '198.18.0.0/24', { country => { iso_code => 'NL', names => { en => 'Netherlands' } },
			     city => { names => { en => 'Amsterdam' } } } ],
	[ '198.18.1.0/24', { country => $jp } ],
	[ '203.0.113.0/24', { country => $us } ],
	[ '2001:db8::/32', { country => { iso_code => 'SE', names => { en => 'Sweden' } } } ],
]);

write_db('GeoLite2-Country', [
	[ '66.249.64.0/19', { country => $us } ],
	# Only in the Country database: the lookup must fall through to it.
	[ '81.2.69.0/24', { country => { iso_code => 'GB', names => { en => 'United Kingdom' } } } ],
	# No country, only where it is registered.
	[ '5.6.7.0/24', { registered_country => { iso_code => 'SE' } } ],
]);

write_db('GeoLite2-ASN', [
	[ '66.249.64.0/19', { autonomous_system_number => 15169,
			      autonomous_system_organization => 'GOOGLE' } ],
	[ '103.84.155.0/24', { autonomous_system_number => 64500,
			       autonomous_system_organization => 'Example Hosting K.K.' } ],
	[ '2001:4860::/32', { autonomous_system_number => 15169,
			      autonomous_system_organization => 'GOOGLE' } ],
	[ '81.2.69.0/24', { autonomous_system_number => 64501 } ],
	[ '198.18.0.0/24', { autonomous_system_number => 64496,
			     autonomous_system_organization => 'Example Relay Networks' } ],
	# An organisation name is untrusted text too: quotes and an escape.
	[ '198.18.1.0/24', { autonomous_system_number => 64497,
			     autonomous_system_organization => "Evil \"Org\"\x{1b}[2J" } ],
	[ '203.0.113.0/24', { autonomous_system_number => 64496,
			      autonomous_system_organization => 'Example Relay Networks' } ],
	[ '2001:db8::/32', { autonomous_system_number => 64498 } ],
]);
