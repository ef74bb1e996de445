#!/bin/sh
# The test run of nginx-v1.yaml: start nginx with the rendered
# configuration, then measure it with wrk for 30 seconds.
set -e
envsubst </etc/nginx/nginx.conf.in >/usr/local/nginx/conf/nginx.conf
/usr/local/nginx/sbin/nginx
sleep 2
mkdir -p /results
wrk -t2 -c64 -d30s http://127.0.0.1:8080/ | tee /results/wrk.txt
