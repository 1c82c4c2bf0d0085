# shellcheck shell=sh
# One block of a backup's tar stream as one gzip member, on a host with gzip
# only: sourced by backup_data.sh after common.sh; the component inlines it as
# it inlines common.sh. GZIP_BLOCK is shell text run before the copy's own
# (two_pass.sh, STREAM), as root, in the process that cuts the stream into
# blocks; each block's process calls `gzip_block BLOCK OUT`.
#
# `gzip -1` spends a core on about 30 MB/s of data that does not compress
# (random database pages, wheels and other compressed files), slower than the
# copy, and gains nothing on it. Such a block is written as a gzip member of
# stored deflate blocks (RFC 1951, 3.2.4: each at most 65535 bytes, behind a
# header byte, its length and the length's complement) at the speed of a copy,
# and gzip reads it as it reads any other member. A block is taken as such
# when 16 KiB at each of eight places spread evenly over it, compressed
# together by `gzip -1`, do not shrink by an eighth.
#
# A member ends with the CRC-32 of its data (RFC 1952, 2.3.1 and 8), which gzip
# has no way to give without compressing. POSIX `cksum` computes a CRC with the
# same polynomial (0x04C11DB7), but bit for bit the other way round, from 0
# rather than all ones, and with the data's length in bytes (least significant
# first, as few as hold it) fed in after the data. So cksum reads the block
# with each byte's bits reversed (`tr`), its first four bytes complemented
# (which is what starting from all ones does to a CRC of this kind); the
# length's bytes are taken off again, one bit at a time in reverse; and the
# result is reversed and complemented as gzip's is. `gzip -t` then reads the
# member back, its CRC too, as it does every block's.
# shellcheck disable=SC2016,SC2034 # the text is run, not expanded, here; read by the sourcing script
GZIP_BLOCK='
# CRC_BYTES, CRC_FIRST_BYTES: for tr, each byte with its bits reversed; and reversed and complemented.
CRC_BYTES="" CRC_FIRST_BYTES="" _byte=0
while [ "$_byte" -lt 256 ]; do
    _v=$_byte _r=0 _bit=0
    while [ "$_bit" -lt 8 ]; do _r=$(((_r << 1) | (_v & 1))) _v=$((_v >> 1)) _bit=$((_bit + 1)); done
    CRC_BYTES=$CRC_BYTES\\$((_r >> 6))$((_r >> 3 & 7))$((_r & 7))
    _r=$((_r ^ 255))
    CRC_FIRST_BYTES=$CRC_FIRST_BYTES\\$((_r >> 6))$((_r >> 3 & 7))$((_r & 7))
    _byte=$((_byte + 1))
done
# octal_bytes VALUE COUNT: appends to _octal the printf escapes of the COUNT low bytes of VALUE, least significant
# first.
octal_bytes() {
    _value=$1 _count=$2
    while [ "$_count" -gt 0 ]; do
        _octal=$_octal\\$((_value >> 6 & 3))$((_value >> 3 & 7))$((_value & 7))
        _value=$((_value >> 8)) _count=$((_count - 1))
    done
}
# gzip_crc FILE: prints the CRC-32 of FILE (four bytes or more) as gzip computes it, from cksum (see above).
gzip_crc() {
    set -- $({ head -c 4 "$1" | tr "\\000-\\377" "$CRC_FIRST_BYTES"; tail -c +5 "$1" | tr "\\000-\\377" "$CRC_BYTES"; } | cksum)
    [ $# = 2 ] || return 1
    _crc=$(($1 ^ 0xFFFFFFFF)) _length=$2 _length_bytes=""
    while [ "$_length" -gt 0 ]; do _length_bytes="$((_length & 255)) $_length_bytes" _length=$((_length >> 8)); done
    for _byte in $_length_bytes; do
        _bit=0
        while [ "$_bit" -lt 8 ]; do
            if [ $((_crc & 1)) = 1 ]; then _crc=$(( ((_crc ^ 0x04C11DB7) >> 1) | 0x80000000 )); else _crc=$((_crc >> 1)); fi
            _bit=$((_bit + 1))
        done
        _crc=$((_crc ^ (_byte << 24)))
    done
    _reversed=0 _bit=0
    while [ "$_bit" -lt 32 ]; do _reversed=$(((_reversed << 1) | (_crc & 1))) _crc=$((_crc >> 1)) _bit=$((_bit + 1)); done
    echo $((_reversed ^ 0xFFFFFFFF))
}
# full_blocks COUNT: copies COUNT full stored blocks (BFINAL 0, BTYPE 00, 65535 bytes) from stdin to stdout,
# each behind its header, reading no byte beyond them. Nothing but stdout is written: the pieces split(1) would cut
# are each truncated as split creates them (ftruncate), and ext4 writes such a file to the disk as it is closed
# (auto_da_alloc), even one removed a moment later. One perl copies them all where perl runs (Debian and the
# distributions built from it, Ubuntu 14.04 among them, mark perl-base Essential: Debian Perl Policy, 1.2 Base
# Package); elsewhere one head per block does, a process started per 64 KiB. PERL_BADLANG=0: no warning about a
# locale the host lacks. Its output is closed and checked: a write that fails only as the last bytes are flushed
# is a failure too.
if PERL_BADLANG=0 perl -e 1 > /dev/null 2>&1; then
    full_blocks() {
        PERL_BADLANG=0 perl -e "binmode STDIN; binmode STDOUT; for (1 .. \$ARGV[0]) { my \$d = q();
            while (length \$d < 65535) { sysread(STDIN, \$d, 65535 - length \$d, length \$d) or exit 1 }
            print qq(\\0\\377\\377\\0\\0), \$d or exit 1 } close STDOUT or exit 1" "$1"
    }
else
    full_blocks() {
        _left=$1
        while [ "$_left" -gt 0 ]; do
            printf "\\000\\377\\377\\000\\000" && head -c 65535 || return 1
            _left=$((_left - 1))
        done
    }
fi
# stored_member BLOCK OUT: BLOCK (four bytes or more) as one gzip member of stored deflate blocks, in OUT, all
# read from the one open BLOCK.
stored_member() {
    _crc=$(gzip_crc "$1") && _size=$(wc -c < "$1") || return 1
    _full=$(((_size - 1) / 65535)) _last=$((_size - (_size - 1) / 65535 * 65535))
    # the last block (BFINAL 1, BTYPE 00) and its length; the CRC and the length modulo 2^32.
    _octal=\\001 && octal_bytes "$_last" 2 && octal_bytes $((_last ^ 65535)) 2 && _last_header=$_octal
    _octal="" && octal_bytes "$_crc" 4 && octal_bytes "$_size" 4 && _trailer=$_octal
    {
        # the header: gzip, deflate, no flags, no time, Unix; then the full blocks and the last.
        printf "\\037\\213\\010\\000\\000\\000\\000\\000\\000\\003" && full_blocks "$_full" || return 1
        printf "$_last_header" && cat && printf "$_trailer"
    } < "$1" > "$2"
}
# compresses BLOCK: 16 KiB at each of eight places spread evenly over BLOCK shrink by an eighth under gzip -1; a
# block under 128 KiB is not sampled, it is compressed.
compresses() {
    _units=$(($(wc -c < "$1") / 16384))
    [ "$_units" -ge 8 ] || return 0
    _sample=$(for _at in 0 1 2 3 4 5 6 7; do
        dd if="$1" bs=16384 skip=$((_units * _at / 8)) count=1 2> /dev/null
    done | gzip -1 | wc -c)
    [ $((_sample * 8)) -lt $((131072 * 7)) ]
}
# gzip_block BLOCK OUT: BLOCK as one gzip member in OUT, compressed if it compresses, else stored.
gzip_block() {
    if compresses "$1"; then gzip -1 < "$1" > "$2"; else stored_member "$1" "$2"; fi
}
'
