#!/bin/sh
# correlate_lab_pool.sh - correlate_lab.sh with fnode --backend-pool 4: its
# backend connections shared by every client connection, in turn, as
# tailscaled's serve proxy (Go's http.Transport pool) shares them. The
# default --proxy-model (pooled) must join none of the mixed load wrong
# (ambiguous allowed: two connections of one address on one pool).
CORRELATE_LAB_POOL=4 exec bash "$FSC_SRC/tests/integration/correlate_lab.sh" "$@"
