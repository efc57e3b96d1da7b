"""Compatibility mode reproduces the reference contracts' verdicts on the shared vectors."""

from __future__ import annotations

import pytest
from zkp_testlib import az_case, az_data, msm_backends

from zkp import vectors
from zkp.msm import MSM
from zkp.reference import compat
from zkp.reference import generators as gen
from zkp.reference.statements import BurnStatement

FAST_IDS = [c["id"] for c in az_data()["vectors"] if c["kind"] == "burn" or c["N"] <= 8]
SLOW_IDS = [c["id"] for c in az_data()["vectors"] if c["id"] not in FAST_IDS]


def _pt(v: list[str]) -> tuple[int, int]:
    return (int(v[0], 16), int(v[1], 16))


def test_generators_match_vector_file() -> None:
    want = az_data()["generators"]
    assert gen.g() == _pt(want["g"])
    assert gen.h() == _pt(want["h"])
    assert gen.gs()[0] == _pt(want["gs0"])
    assert gen.hs()[63] == _pt(want["hs63"])
    assert gen.g_epoch(7) == _pt(want["gEpoch7"])


def test_gsum_constants_match_contracts() -> None:
    # ZetherVerifier.gSum() and BurnVerifier.gSum() x-coordinates
    assert gen.gs_sum(64) is not None and gen.gs_sum(32) is not None
    assert gen.gs_sum(64)[0] == 0x00715F13EA08D6B51BEDCDE3599D8E12163E090921309D5AAFC9B5BFAADBCDA0
    assert gen.gs_sum(32)[0] == 0x2257118D30FE5064DDA298B2FAC15CF96FD51F0E7E3DF342D0AED40B8D7BB151


@pytest.mark.parametrize("case_id", FAST_IDS)
def test_compat_verdict_equals_evm(case_id: str) -> None:
    case = az_case(case_id)
    assert vectors.verify_case(case, "compat").ok == case["evm_accepts"]


@pytest.mark.parametrize("msm", msm_backends()[1:])
def test_every_vector_verdict_equal_on_fast_backend(msm: MSM) -> None:
    for case in az_data()["vectors"]:
        st, proof = vectors.case_statement(case), vectors.case_proof(case)
        if isinstance(st, BurnStatement):
            verdict = compat.verify_burn(st, proof, msm)
        else:
            verdict = compat.verify_transfer(st, proof, msm)
        assert verdict.ok == case["evm_accepts"], case["id"]


@pytest.mark.slow
@pytest.mark.parametrize("case_id", SLOW_IDS)
def test_compat_verdict_equals_evm_large_rings(case_id: str) -> None:
    case = az_case(case_id)
    assert vectors.verify_case(case, "compat").ok == case["evm_accepts"]


def test_forged_nonce_vectors_accepted_in_compat() -> None:
    for case_id in ("transfer_N4_forged_nonce_0", "transfer_N4_forged_nonce_1"):
        assert vectors.verify_case(az_case(case_id), "compat").ok


def test_cli_summary(capsys: pytest.CaptureFixture[str]) -> None:
    from zkp_testlib import AZ_PATH

    rc = vectors.main([str(AZ_PATH), "--mode", "compat", "--json", "--only", "burn_valid"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.strip() == '{"cases": 1, "agree": 1, "disagree": []}'


def test_cli_hardened_mode_rejects_compat_format(capsys: pytest.CaptureFixture[str]) -> None:
    from zkp_testlib import AZ_PATH

    rc = vectors.main([str(AZ_PATH), "--mode", "hardened", "--json", "--only", "transfer_N2_valid"])
    assert rc == 0
    assert '"agree": 1' in capsys.readouterr().out


def test_cli_reports_unreadable_file(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    rc = vectors.main(["/nonexistent/az.json", "--json"])
    assert rc == 2
    assert "cannot read" in capsys.readouterr().err


def test_api_dispatches_modes() -> None:
    from zkp import api

    case = az_case("transfer_N2_valid")
    st, proof = vectors.case_statement(case), vectors.case_proof(case)
    assert api.verify_transfer(st, proof, mode="compat").ok  # type: ignore[arg-type]
    assert not api.verify_transfer(st, proof).ok  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        api.verify_transfer(st, proof, mode="bogus")  # type: ignore[arg-type]
