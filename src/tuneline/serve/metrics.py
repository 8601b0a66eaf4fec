"""Prometheus metrics of one server (own registry, so several servers in one process —
tests, benchmarks — do not collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160)


class ServerMetrics:
    def __init__(self, state) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("tuneline_requests", "HTTP requests answered", ["endpoint", "status"],
                                registry=self.registry)
        self.completion_tokens = Counter("tuneline_completion_tokens", "tokens generated", ["adapter"],
                                         registry=self.registry)
        self.prompt_tokens = Counter("tuneline_prompt_tokens", "prompt tokens read", ["adapter"],
                                     registry=self.registry)
        self.routed = Counter("tuneline_routed_requests", "`auto` requests by chosen adapter and reason",
                              ["adapter", "reason"], registry=self.registry)
        self.latency = Histogram("tuneline_request_latency_seconds", "time from request to last token",
                                 ["endpoint"], buckets=LATENCY_BUCKETS, registry=self.registry)
        in_flight = Gauge("tuneline_requests_in_flight", "requests being answered", registry=self.registry)
        in_flight.set_function(lambda: state.in_flight)
        waiting = Gauge("tuneline_scheduler_waiting", "requests queued for a batch row", registry=self.registry)
        waiting.set_function(lambda: state.engine.load()["waiting"])
        running = Gauge("tuneline_scheduler_running", "rows in the decoding batch", registry=self.registry)
        running.set_function(lambda: state.engine.load()["running"])
        adapters = Gauge("tuneline_adapters_loaded", "adapters loaded on the base model", registry=self.registry)
        adapters.set_function(lambda: len(state.registry.folders))

    def render(self) -> bytes:
        return generate_latest(self.registry)
