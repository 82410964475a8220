"""The calculator's example scenario, as the API's JSON and as ``nearhit calc`` options."""

EXAMPLE = {"requests_per_day": 100_000, "input_tokens": 500, "output_tokens": 300, "hit_rate": 0.3}
EXAMPLE_ARGS = ["--requests-per-day", "100000", "--input-tokens", "500", "--output-tokens", "300", "--hit-rate", "0.3"]
