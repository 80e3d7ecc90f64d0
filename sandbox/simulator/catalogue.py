"""How the simulator behaves for each product reference (what a real supplier decides itself).

Keys of a product's behaviour (all optional):

``latency``       seconds each reserve and issue call takes (at most 30; times ``time_scale``)
``failure_rate``  fraction (0-1) of reserve and issue calls answered 503 (nothing done)
``refuse``        "reserve", "issue" or "refund": refused for good (409); "exchange": every
                  exchange line (one with ``replaces``) refused alone (``NOT_EXCHANGEABLE``)
``exchange_price`` what holding an exchange of this product costs, told in its answer ("0.00")
``partial``       true: issuing refuses every second line of a booking (positions 2, 4, ...)
``late``          seconds after acceptance before issued items are delivered (status tells)
``mode``          a misbehaviour for tests: "server_error" (500), "throttle" (429 with
                  Retry-After), "malformed" (200 with a body that is not the protocol's JSON),
                  "slow_body" (headers at once, the body after ``latency`` seconds)
"""

DEMO = {
    "OSL-BGO-0725": {},
    "OSL-TRD-SLOW": {"latency": 30},
    "GIFT-INSTANT": {},
    "GIFT-PARTIAL": {"partial": True},
    "GIFT-DELAYED": {"late": 20},
}

MAX_LATENCY_SECONDS = 30.0
