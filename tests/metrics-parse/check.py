"""Reads a Dateline server's /metrics with the official Prometheus Python client's parser,
as a scraper would, and checks what a dashboard relies on: every family parses, none is
written twice, counters and histograms are whole, and the requests the edge check made are
counted by operation.

    python3 tests/metrics-parse/check.py http://127.0.0.1:PORT/metrics
"""

import sys
import urllib.request
from collections import Counter

from prometheus_client.parser import text_string_to_metric_families


def main(url: str) -> None:
    with urllib.request.urlopen(url) as response:
        content_type = response.headers.get("content-type", "")
        text = response.read().decode("utf-8")
    assert content_type.startswith("text/plain"), content_type
    families = list(text_string_to_metric_families(text))
    twice = [name for name, n in Counter(f.name for f in families).items() if n > 1]
    assert not twice, f"families written twice: {twice}"
    by_name = {f.name: f for f in families}
    for name in [
        "dateline_graphql_requests",
        "dateline_graphql_request_duration_seconds",
        "dateline_graphql_request_statements",
        "dateline_http_requests",
        "dateline_db_pool_connections",
        "dateline_websockets",
        "dateline_event_relay_up",
    ]:
        assert name in by_name, f"{name} is not served"
    for family in families:
        assert family.name.startswith("dateline_"), family.name
        if family.type == "histogram":
            check_histogram(family)
    requests = by_name["dateline_graphql_requests"]
    ok = sum(
        s.value
        for s in requests.samples
        if s.name.endswith("_total") and s.labels.get("outcome") == "ok"
    )
    assert ok > 0, "no GraphQL request was counted as answered"
    print(f"{len(families)} metric families parse; {int(ok)} GraphQL requests answered")


def check_histogram(family) -> None:
    """Each series' buckets grow with `le`, and its `+Inf` bucket equals its count."""
    series = {}
    for sample in family.samples:
        labels = {k: v for k, v in sample.labels.items() if k != "le"}
        key = tuple(sorted(labels.items()))
        entry = series.setdefault(key, {"buckets": [], "count": None})
        if sample.name.endswith("_bucket"):
            entry["buckets"].append((float(sample.labels["le"]), sample.value))
        elif sample.name.endswith("_count"):
            entry["count"] = sample.value
    for key, entry in series.items():
        buckets = sorted(entry["buckets"])
        assert buckets and buckets[-1][0] == float("inf"), (family.name, key)
        counts = [count for _, count in buckets]
        assert counts == sorted(counts), (family.name, key, counts)
        assert buckets[-1][1] == entry["count"], (family.name, key)


if __name__ == "__main__":
    main(sys.argv[1])
