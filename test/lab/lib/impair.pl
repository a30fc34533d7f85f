#!/usr/bin/perl
# impair.pl IF_A IF_B DELAY_MS LOSS_PERCENT
#
# A bad cable in software. Copies every Ethernet frame between two interfaces of the lab switch
# namespace, holding each one DELAY_MS (in each direction) and dropping LOSS_PERCENT of them at
# random. lab.sh puts it between a node's cable and the bridge for `fault <node> impair`.
#
# Why not `tc qdisc ... netem`: the kernel of the machines this lab runs on is built without
# CONFIG_NET_SCH_NETEM (and without nftables/iptables userspace). Perl is always there (perl-base
# is an essential Debian package) and can open AF_PACKET sockets.
#
# veth interfaces pass GSO super-frames (up to 64 KiB) with checksums left to offload. With
# PACKET_VNET_HDR the kernel prefixes each frame with a virtio_net_hdr describing that, and
# segments/checksums on send when we hand the same header back, so frames are forwarded verbatim.
use strict;
use warnings;
use Socket qw(SOCK_RAW MSG_DONTWAIT);
use Time::HiRes qw(time);

use constant {
    AF_PACKET       => 17,
    SOL_PACKET      => 263,
    PACKET_VNET_HDR => 15,
    ETH_P_ALL       => 0x0003,
    PACKET_OUTGOING => 4,    # sll_pkttype of frames we sent ourselves: never relay those back
    MAX_FRAME       => 65536 + 64,
};

my ($if_a, $if_b, $delay_ms, $loss) = @ARGV;
die "usage: impair.pl IF_A IF_B DELAY_MS LOSS_PERCENT\n" unless defined $loss;
die "DELAY_MS and LOSS_PERCENT must be numbers\n" unless "$delay_ms$loss" =~ /^[0-9.]+$/;

sub open_interface {
    my ($name) = @_;
    open(my $fh, '<', "/sys/class/net/$name/ifindex") or die "no interface $name: $!\n";
    chomp(my $ifindex = <$fh>);
    close $fh;
    # The protocol argument is in network byte order (htons).
    socket(my $sock, AF_PACKET, SOCK_RAW, unpack('S', pack('n', ETH_P_ALL))) or die "socket: $!\n";
    setsockopt($sock, SOL_PACKET, PACKET_VNET_HDR, 1) or die "PACKET_VNET_HDR: $!\n";
    # struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]
    bind($sock, pack('S n i S C C a8', AF_PACKET, ETH_P_ALL, $ifindex, 0, 0, 0, ''))
        or die "bind $name: $!\n";
    return $sock;
}

my $sock_a = open_interface($if_a);
my $sock_b = open_interface($if_b);
my %peer   = (fileno($sock_a) => $sock_b, fileno($sock_b) => $sock_a);
my @queue;    # [due time, output socket, frame]; one constant delay keeps it sorted

my $watch = '';
vec($watch, fileno($sock_a), 1) = 1;
vec($watch, fileno($sock_b), 1) = 1;

$| = 1;
print "relaying $if_a <-> $if_b, delay ${delay_ms} ms, loss ${loss}%\n";
$SIG{TERM} = sub { exit 0 };

while (1) {
    my $timeout = @queue ? $queue[0][0] - time : undef;
    $timeout = 0 if defined $timeout && $timeout < 0;
    my $ready = select(my $readable = $watch, undef, undef, $timeout);
    if ($ready > 0) {
        for my $in ($sock_a, $sock_b) {
            next unless vec($readable, fileno($in), 1);
            # Drain what is there now; MSG_DONTWAIT ends the loop with EAGAIN.
            while (defined(my $from = recv($in, my $frame, MAX_FRAME, MSG_DONTWAIT))) {
                last if length($from) < 12;
                next if unpack('x10 C', $from) == PACKET_OUTGOING;
                next if $loss > 0 && rand(100) < $loss;
                push @queue, [time + $delay_ms / 1000, $peer{fileno($in)}, $frame];
            }
        }
    }
    while (@queue && $queue[0][0] <= time) {
        my $item = shift @queue;
        # A link that is down (unplugged node) just loses the frame, like a real cable would.
        send($item->[1], $item->[2], 0);
    }
}
