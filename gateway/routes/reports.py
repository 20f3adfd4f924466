"""Reports for the Dinas (roles supervisor, admin, auditor; checked by intake): the JSON report,
its CSV and XLSX downloads and the page's SVG charts, all from one intake RPC per request."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response
from gateway.reports import charts, export
from gateway.routes.base import GatewayBase

PARAMS = ("from", "to", "service_code", "channel", "kecamatan_code")


def _filename(report: dict[str, Any], extension: str) -> str:
    period = report["period"]
    return f"laporan-silasidakep-{period['from']}-{period['to']}.{extension}"


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


class ReportRoutes(GatewayBase):
    def _report(self, request: Request) -> dict[str, Any]:
        params = {name: request.args.get(name) for name in PARAMS}
        return self.intake.staff_report(bearer_token(request), params)

    @api("GET", "/api/v1/staff/reports")
    def staff_report(self, request: Request) -> Response:
        return json_response(self._report(request))

    @api("GET", "/api/v1/staff/reports.csv")
    def staff_report_csv(self, request: Request) -> Response:
        report = self._report(request)
        # A byte-order mark, so a spreadsheet opens the Indonesian text as UTF-8.
        return _download("\ufeff" + export.to_csv(report), "text/csv",
                         _filename(report, "csv"))

    @api("GET", "/api/v1/staff/reports.xlsx")
    def staff_report_xlsx(self, request: Request) -> Response:
        report = self._report(request)
        return _download(export.to_xlsx(report), export.XLSX_TYPE, _filename(report, "xlsx"))

    @api("GET", "/api/v1/staff/reports/charts")
    def staff_report_charts(self, request: Request) -> Response:
        return json_response({"charts": charts.all_charts(self._report(request))})
