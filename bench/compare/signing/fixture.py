"""The benchmark transaction, shared by the Python driver and (through fixture.json) the others."""
import json
import os

_F = json.load(open(os.path.join(os.path.dirname(__file__), "fixture.json")))
KEYS = _F["keys"]
PREVOUTS = [(p["txid"], p["vout"]) for p in _F["prevouts"]]
PREVOUT_VALUES = [p["value"] for p in _F["prevouts"]]


def outputs():
    return [(o["value"], o["script_pubkey"]) for o in _F["outputs"]]
