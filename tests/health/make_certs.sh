#!/bin/sh
# Test certificates for the SMTP prober tests, made with the openssl CLI (never downloaded):
#   ca.pem/ca.key        a test CA
#   leaf.pem/leaf.key    mx1.example.com, signed by the CA
#   other.pem/other.key  self-signed, for other.example.net (the "bad certificate")
#   leaf-chain.pem       the leaf and the CA, as a server sends them (for DANE-TA)
#   *.hex                TLSA data, hex: leaf.spki.sha256 (3 1 1), leaf.spki (3 1 0),
#                        leaf.cert.sha512 (3 0 2), ca.cert.sha256 (2 0 1)
# usage: make_certs.sh DIR
# SPDX-License-Identifier: MIT
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
if [ -s done ]; then
    exit 0
fi
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 30 -subj "/CN=mxsteer test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
openssl req -new $ec -keyout leaf.key -out leaf.csr -subj "/CN=mx1.example.com" 2>/dev/null
printf 'subjectAltName=DNS:mx1.example.com\nextendedKeyUsage=serverAuth\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 30 \
    -extfile leaf.ext 2>/dev/null
openssl req -x509 $ec -keyout other.key -out other.pem -days 30 -subj "/CN=other.example.net" \
    -addext subjectAltName=DNS:other.example.net 2>/dev/null
cat leaf.pem ca.pem > leaf-chain.pem
hex() { od -An -v -tx1 | tr -d ' \n'; }
digest() { openssl dgst "-$1" -binary | hex; }
openssl x509 -in leaf.pem -pubkey -noout | openssl pkey -pubin -outform DER > leaf.spki.der
digest sha256 < leaf.spki.der > leaf.spki.sha256.hex
hex < leaf.spki.der > leaf.spki.hex
openssl x509 -in leaf.pem -outform DER | digest sha512 > leaf.cert.sha512.hex
openssl x509 -in ca.pem -outform DER | digest sha256 > ca.cert.sha256.hex
echo ok > done
