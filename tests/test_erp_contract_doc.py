"""The published ERP contract itself: a valid OpenAPI 3.1 document that documents every route the
demo serves, whose recorded answers follow its schemas, and whose webhook is described."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import validate

from adapters.erp.demo import create_demo_erp_app
from tests.fixtures.erp import RECORDED_DIR, ErpContract, erp_contract_document

UNDOCUMENTED = {"/healthz", "/openapi.yaml"}


def test_the_contract_is_valid_openapi_3_1() -> None:
    document = erp_contract_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_demo_route_is_in_the_contract(tmp_path: Path) -> None:
    app = create_demo_erp_app(
        str(tmp_path / "unused.db"), api_key=None, webhook_url=None, webhook_secret=None
    )
    paths = erp_contract_document()["paths"]
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    assert len(served) >= 14
    missing = {(m, p) for m, p in served if p not in UNDOCUMENTED and m not in paths.get(p, {})}
    assert missing == set()


def test_security_and_webhook_are_declared() -> None:
    document = erp_contract_document()
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert "clientCredentials" in schemes["oauth2"]["flows"]
    hook = document["webhooks"]["approvalEvent"]["post"]
    assert {p["name"] for p in hook["parameters"]} == {"X-ERP-Timestamp", "X-ERP-Signature"}


@pytest.mark.parametrize("recording", sorted(RECORDED_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_recordings_follow_the_schemas(recording: Path, erp_contract: ErpContract) -> None:
    exchanges = json.loads(recording.read_text(encoding="utf-8"))
    assert exchanges
    for exchange in exchanges:
        erp_contract.validate_exchange(exchange)


def test_the_strict_schemas_refuse_undeclared_and_missing_fields(erp_contract: ErpContract) -> None:
    point = {"period_start": "2026-03-01", "value": 1.5}
    erp_contract.validate_schema("KpiPoint", point)
    with pytest.raises(ValidationError):
        erp_contract.validate_schema("KpiPoint", {**point, "extra": 1})
    with pytest.raises(ValidationError):
        erp_contract.validate_schema("KpiPoint", {"value": 1.5})
