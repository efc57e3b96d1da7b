"""Committee changes: authority-signed, next epoch, deterministic boundary, new member joins."""

from __future__ import annotations

from consensus_dagkit import Network, seed

from consensus.committee import Committee, CommitteeChange, Validator
from consensus.crypto import Ed25519Signer
from consensus.engine import ChangeCommittee
from consensus.sim.runs import RunOptions, run_one
from consensus.step import EpochScheduled, FaultKind


def test_change_must_be_signed_by_the_authority_and_be_the_next_epoch() -> None:
    net = Network()
    e = net.engines["a"]
    vs = [*net.committee.validators, Validator("e", Ed25519Signer(seed("e")).public_key, 1)]
    forged = CommitteeChange(Committee.create(1, vs).signed(Ed25519Signer(seed("mallory"))))
    assert [f.kind for f in e.handle_input(ChangeCommittee(forged, 4)).faults] == [
        FaultKind.BAD_SIGNATURE
    ]
    skip = CommitteeChange(Committee.create(2, vs).signed(net.authority))
    assert [f.kind for f in e.handle_input(ChangeCommittee(skip, 4)).faults] == [
        FaultKind.WRONG_EPOCH
    ]
    good = CommitteeChange(Committee.create(1, vs).signed(net.authority))
    step = e.handle_input(ChangeCommittee(good, 5))
    scheduled = [o for o in step.outputs if isinstance(o, EpochScheduled)]
    assert len(scheduled) == 1
    first = scheduled[0].first_round
    assert first % 2 == 0 and first >= 5 + e.cfg.reconfig_delay_rounds
    assert e.schedule.for_round(first).epoch == 1 and e.schedule.for_round(first - 1).epoch == 0
    restarted = net.make("a")
    assert restarted.schedule.for_round(first).epoch == 1  # persisted


def test_simulated_network_adds_a_validator_that_then_gets_committed() -> None:
    for seed_ in range(1, 4):
        verdict, sim = run_one(seed_, RunOptions(validators=4, byzantine=1, reconfigure=True))
        assert verdict.ok, (seed_, verdict)
        extra = sim.instances["v04"]
        assert extra.engine is not None and extra.engine.schedule.latest.epoch == 1
        for name in sim.sc.honest:
            assert "v04" in sim.instances[name].record.ordered_authors, (seed_, name)
