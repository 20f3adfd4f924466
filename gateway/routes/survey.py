"""The IKM survey (PermenPAN-RB No. 14/2017): the citizen answers behind the invitation link;
staff read the index per service and period (JSON and CSV) and the free-text answers."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from gateway import web
from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from silasidakep.errors import NotFound

# secrets.token_urlsafe(32); anything else is no survey (checked before any RPC).
SURVEY_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}\Z")


def survey_token(token: str) -> str:
    if not SURVEY_TOKEN.match(token):
        raise NotFound("Survei tidak ditemukan.", code="SURVEY_NOT_FOUND")
    return token


def ikm_csv(report: dict[str, Any]) -> str:
    """One row per service and a last row for all of them; averages per element, 1..4."""
    codes = [e["code"] for e in report["elements"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["dari", "sampai", "kode_layanan", "layanan", "responden", *codes,
                     "ikm", "mutu", "kinerja"])
    overall = {"service_code": "SEMUA", "service_name": "Semua layanan", **report["overall"]}
    for row in [*report["services"], overall]:
        averages = {e["code"]: e["average"] for e in row["elements"]}
        writer.writerow([report["from"], report["to"], row["service_code"], row["service_name"],
                         row["responses"], *(averages.get(c, "") for c in codes),
                         "" if row["ikm"] is None else f"{row['ikm']:.2f}",
                         row["grade"] or "", row["grade_label"] or ""])
    return out.getvalue()


class SurveyRoutes(GatewayBase):
    # --- citizen: the survey behind the invitation link ---------------------------------------

    @api("GET", "/survei/<token>")
    def survey_page(self, request: Request, token: str) -> Response:
        return web.page(request, "survey")

    @api("GET", "/api/v1/survey/<token>")
    def survey_questions(self, request: Request, token: str) -> Response:
        return json_response(self.intake.survey_questions(survey_token(token)))

    @api("POST", "/api/v1/survey/<token>")
    def answer_survey(self, request: Request, token: str) -> Response:
        token = survey_token(token)
        body = parse_json(request)  # shape only; intake checks the scores (one owner)
        return json_response(self.intake.answer_survey(token, body), status=201)

    # --- staff: the index and the free text -----------------------------------------------------

    def _period(self, request: Request) -> tuple[str | None, str | None, str | None]:
        args = request.args
        return args.get("from") or None, args.get("to") or None, args.get("service_code") or None

    @api("GET", "/api/v1/staff/reports/ikm")
    def staff_ikm_report(self, request: Request) -> Response:
        return json_response(self.intake.ikm_report(bearer_token(request), *self._period(request)))

    @api("GET", "/api/v1/staff/reports/ikm.csv")
    def staff_ikm_report_csv(self, request: Request) -> Response:
        report = self.intake.ikm_report(bearer_token(request), *self._period(request))
        name = f"ikm-{report['from']}-{report['to']}.csv"
        return Response(ikm_csv(report), mimetype="text/csv", headers={
            "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}"',
        })

    @api("GET", "/api/v1/staff/reports/ikm/comments")
    def staff_ikm_comments(self, request: Request) -> Response:
        return json_response(
            self.intake.ikm_comments(bearer_token(request), *self._period(request))
        )
