"""Apply a plan: walk the configuration again, now with real values, and make
each planned change through its provider, in dependency order, several at a
time.

The configuration is evaluated once more, lazily, exactly as for planning;
the evaluator asks `instance()` for each instance dependencies first. Here
that submits the change to a thread pool and returns at once; a dependent
that reads an instance's attributes waits (`value_of`) until that change is
done, so independent changes run in parallel and dependent ones in order.

Every finished change is appended to the state journal before anything else
happens (a crash loses nothing); a create is recorded as an intent before the
provider is called, so an interrupted create is found again, not duplicated.
A failed change stops only what depends on it.

Before the walk, the repairs the planner made to its copy of the state are
made to the real one, through the journal: moves (recomputed from the
configuration, so a saved plan needs nothing more), objects found again for
intents, imported objects, and intents found to be empty.

create_before_destroy, and deposed objects. The state holds one object per
address, so while a replacement has two, the old one stays the instance in
state and the new one is recorded as an intent (refined to the exact object
once it exists), until the old one is destroyed; only then does the new one
take the address. Dependents see the new object at once, and the old one is
destroyed with the other deletes, after every create and update, so that
nothing still uses it. A failure or crash in between leaves exactly that
pair, which the next plan reads as "the new object is the instance, the old
one is deposed" (planner.resolve_intents) and finishes by deleting the old.

Interrupts (SIGINT): the first lets changes in flight finish and starts no
new ones; what finished is in the journal, which the caller folds into the
state file. A second stops waiting: apply returns at once (`forced`) and the
caller folds what the journal holds; calls still in flight are recorded when
they return, or found again from their intents by the next plan.

The parts: engine.apply_plan runs the whole apply; applier.Applier is the
evaluator hook and runs each change, with its repairs (repairs.py), deletes
(destroys.py) and state bookkeeping (ledger.py); calls.Calls holds the
provider slots; readiness.py orders the walk, order.py the deletes;
conditions.py checks postconditions; interrupts.py handles SIGINT.
"""

from govctl.apply.engine import apply_plan
from govctl.apply.order import delete_order
from govctl.apply.outcomes import ApplyResult, DependencyFailed, Event, Outcome

__all__ = ["ApplyResult", "DependencyFailed", "Event", "Outcome", "apply_plan", "delete_order"]
