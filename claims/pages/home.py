"""The home page, `/`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from claims.pages.page import open_page

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    page = open_page(request)
    return page.render("index.html", {"title": page.t("home_title")})
