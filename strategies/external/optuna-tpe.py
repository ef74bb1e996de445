#!/usr/bin/python3
"""optuna-tpe.py: a peer of Wayfinder's external strategy (protocol
version 1) that drives Optuna's TPESampler through its ask-and-tell
interface. Written for Optuna 3.1 (Debian's python3-optuna).

In a spec:

    search:
      strategy: external
      options: {command: [/usr/bin/python3, optuna-tpe.py]}

or on the command line:

    wayfinder run SPEC --strategy external \\
        --option command=/usr/bin/python3,/usr/share/wayfinder/strategies/external/optuna-tpe.py

Its own options follow the script in the command:
    --startup N       random trials before TPE models the results (10)
    --multivariate    model the parameters jointly (Optuna's multivariate TPE)
    --no-liar         no constant liar: a batch is not spread by pretending
                      that its running trials did badly
    --verbose         Optuna's own log (on stderr, shown by Wayfinder)

How the space maps to Optuna:
  - a parameter with a list of values: categorical choices (as the datasets
    README's Optuna numbers were measured: "columns given as categorical
    choices"), bool and tristate too;
  - an int or float range: IntDistribution / FloatDistribution with the
    range's step;
  - a power range (step_mode: power): a log-scale distribution over
    [min, max] whose suggestions are snapped to the nearest value of the
    range (in log space);
  - conditions (if:) are left to Wayfinder: every parameter is suggested,
    and Wayfinder drops the values of inactive ones.

Each ask of n is answered with n trials from study.ask(), tagged with the
trial number; a tell with a tag completes that trial (TrialState.FAIL for
a failed one); a tell without one (an earlier run's trial on resume) is
added with study.add_trial(). Stdout carries only protocol messages.
"""

import argparse
import json
import math
import sys
import traceback
import warnings

VERSION = 1

# Everything but the protocol goes to stderr, whatever a library prints.
PROTO = sys.stdout
sys.stdout = sys.stderr


def send(msg):
    PROTO.write(json.dumps(msg, separators=(",", ":")) + "\n")
    PROTO.flush()


def log(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class Space:
    """The space message as Optuna distributions, and back."""

    def __init__(self, msg, optuna):
        from optuna.distributions import (CategoricalDistribution,
                                          FloatDistribution, IntDistribution)
        self.dists = {}
        self.grids = {}  # power ranges: the values to snap to
        for p in msg["params"]:
            name = p["name"]
            if "values" in p:
                self.dists[name] = CategoricalDistribution(p["values"])
                continue
            r = p["range"]
            lo, hi, step = r["min"], r["max"], r["step"]
            if r["power"]:
                grid = [lo * step ** k for k in range(r["count"])]
                if p["type"] == "int":
                    grid = sorted(set(int(round(v)) for v in grid))
                    self.dists[name] = IntDistribution(lo, hi, log=True)
                else:
                    self.dists[name] = FloatDistribution(lo, hi, log=True)
                self.grids[name] = grid
            elif p["type"] == "int":
                self.dists[name] = IntDistribution(lo, hi, step=step)
            else:
                self.dists[name] = FloatDistribution(lo, hi, step=step)

    def snap(self, name, value):
        grid = self.grids.get(name)
        if grid is None:
            return value
        lv = math.log(value)
        return min(grid, key=lambda g: abs(math.log(g) - lv))

    def proposal(self, params):
        return {k: self.snap(k, v) for k, v in params.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--startup", type=int, default=10)
    ap.add_argument("--multivariate", action="store_true")
    ap.add_argument("--no-liar", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    line = sys.stdin.readline()
    if not line:
        return 0
    msg = json.loads(line)
    if msg.get("type") != "space" or msg.get("version") != VERSION:
        send({"type": "error",
              "message": "optuna-tpe.py speaks protocol version %d, "
                         "not %r" % (VERSION, msg.get("version"))})
        return 1
    try:
        import optuna
        from optuna.trial import TrialState
    except ImportError as e:
        send({"type": "error",
              "message": "cannot import optuna (%s): apt-get install "
                         "python3-optuna" % e})
        return 1
    if not args.verbose:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore",
                            category=optuna.exceptions.ExperimentalWarning)

    space = Space(msg, optuna)
    sampler = optuna.samplers.TPESampler(
        seed=msg["seed"] % 2 ** 32, n_startup_trials=args.startup,
        multivariate=args.multivariate, constant_liar=not args.no_liar)
    study = optuna.create_study(direction=msg["direction"], sampler=sampler)
    send({"type": "ready", "version": VERSION, "name": "optuna-tpe"})

    running = {}  # tag (the trial's number) -> trial
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "ask":
            try:
                configs = []
                for _ in range(msg["n"]):
                    trial = study.ask(space.dists)
                    running[trial.number] = trial
                    configs.append({"params": space.proposal(trial.params),
                                    "tag": trial.number})
                send({"type": "configs", "configs": configs})
            except Exception as e:
                traceback.print_exc()
                send({"type": "error", "message": "ask: %s" % e})
                return 1
        elif kind == "tell":
            status = msg["status"]
            if status == "pending":
                continue  # its result comes in a later tell
            value = msg.get("value")
            ok = status == "done" and value is not None
            trial = running.pop(msg.get("tag"), None)
            if trial is not None:
                if ok:
                    study.tell(trial, value)
                else:
                    study.tell(trial, state=TrialState.FAIL)
                if args.verbose:
                    log("trial %d: %s" % (trial.number,
                                          value if ok else "failed"))
                continue
            if msg.get("tag") is not None:
                continue  # a repeat of a trial already told
            # Measured without being asked (an earlier run, on resume).
            params = msg["params"]
            try:
                study.add_trial(optuna.trial.create_trial(
                    state=TrialState.COMPLETE if ok else TrialState.FAIL,
                    value=value if ok else None, params=params,
                    distributions={k: space.dists[k] for k in params}))
                if args.verbose:
                    log("added %s: %s" % (msg.get("id"),
                                          value if ok else "failed"))
            except ValueError as e:
                log("optuna-tpe.py: trial %s not added: %s"
                    % (msg.get("id"), e))
        else:
            send({"type": "error",
                  "message": "unexpected message %r" % kind})
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
