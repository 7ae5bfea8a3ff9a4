"""Events per second for botocraft's EventFactory and powertools' parser, next to ours.

Run through run.sh, which builds the Rust side and passes its result in with --ours.
Each tool decodes the same files, as text, in a loop for a few seconds; "typed" counts the
files a tool turns into a model specific to the event's source and detail-type.
"""

import argparse
import json
import time


def measure(name, decode, texts, seconds):
    typed = 0
    errors = 0
    for text in texts:
        try:
            if decode(text):
                typed += 1
        except Exception:
            errors += 1
    # Time only inputs the tool accepts, so an error path does not flatter or hurt it.
    ok = []
    for text in texts:
        try:
            decode(text)
            ok.append(text)
        except Exception:
            pass
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds and ok:
        for text in ok:
            decode(text)
        count += len(ok)
    elapsed = time.perf_counter() - start
    return {"tool": name, "events_per_s": round(count / elapsed) if ok else 0,
            "typed": typed, "unknown": len(texts) - typed - errors, "error": errors}


def botocraft_decoder():
    from botocraft.eventbridge.factory import EventFactory

    factory = EventFactory()

    def decode(text):
        # Unknown pairs come back as the plain dict.
        return not isinstance(factory.new(text), dict)

    return decode


def powertools_decoder():
    from aws_lambda_powertools.utilities.parser import parse
    from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

    def decode(text):
        parse(event=text, model=EventBridgeModel)
        # EventBridgeModel types the envelope; the detail stays a dict.
        return False

    return decode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", required=True, help="the JSON line of the Rust example")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    texts = [open(f, encoding="utf-8").read() for f in args.files]

    ours = json.loads(args.ours)
    rows = [ours,
            measure("botocraft EventFactory", botocraft_decoder(), texts, args.seconds),
            measure("powertools parser (EventBridgeModel)", powertools_decoder(), texts, args.seconds)]
    print(f"{len(texts)} events, {args.seconds:g} s per tool")
    print(f"| tool | events/s | typed | unknown | error | ours is |")
    print(f"|---|---:|---:|---:|---:|---:|")
    for row in rows:
        ratio = ours["events_per_s"] / row["events_per_s"] if row["events_per_s"] else float("nan")
        print(f"| {row['tool']} | {row['events_per_s']:,} | {row['typed']} | {row['unknown']} "
              f"| {row['error']} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
