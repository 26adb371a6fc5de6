#!/bin/sh
# Writes the self-signed TLS certificate and key the federated HTTPS test uses
# (test/fixtures/federated/tls-cert.pem, tls-key.pem): CN and subjectAltName 127.0.0.1, valid 100 years.
# A test key only: it protects nothing. Run from the repository root.
set -eu
out=test/fixtures/federated
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$out/tls-key.pem" -out "$out/tls-cert.pem"
