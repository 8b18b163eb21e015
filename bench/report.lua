-- wrk script used by bench/run.sh: sends Accept: application/json and, when the run ends,
-- prints one machine-readable line with the throughput, the latency percentiles (in
-- microseconds) and the error counts, which run.sh turns into its table.
wrk.headers["Accept"] = "application/json"

done = function(summary, latency, requests)
    local secs = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "BENCH rps=%.1f p50_us=%d p99_us=%d p999_us=%d requests=%d non2xx=%d socket_errors=%d\n",
        summary.requests / secs,
        latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
        summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
