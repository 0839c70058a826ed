"""A Flask API (another project's code): Auth0 access tokens checked with PyJWT's ``PyJWKClient`` (urllib)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

import jwt
from flask import Flask, Response, g, jsonify, request

REALM = "notes"


def _refuse(status: int, error: str | None = None, **params: str) -> Response:
    challenge = f'Bearer realm="{REALM}"' + "".join(
        f', {name}="{value}"' for name, value in ({"error": error} | params).items() if value
    )
    response = jsonify({"error": error or "unauthorized"})
    response.status_code, response.headers["WWW-Authenticate"] = status, challenge
    return response


def numeric_dates(claims: Mapping[str, Any]) -> None:
    """RFC 7519 §2: exp, nbf and iat are JSON numbers (PyJWT alone also takes "123" and true)."""
    for name in ("exp", "nbf", "iat"):
        if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], int | float)):
            raise jwt.InvalidTokenError(f"{name} is not a number")


def create_app(settings: Mapping[str, Any]) -> Flask:
    """The app, trusting ``settings["issuer"]`` for ``settings["audience"]``; JWKS at ``jwks_url``."""
    app = Flask(__name__)
    context = ssl.create_default_context(cafile=settings.get("ca_path"))
    keys = jwt.PyJWKClient(settings["jwks_url"], ssl_context=context)

    def requires(scope: str | None = None) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
        def decorate(view: Callable[[], Any]) -> Callable[[], Any]:
            @wraps(view)
            def guarded() -> Any:
                scheme, _, token = request.headers.get("Authorization", "").partition(" ")
                if scheme.lower() != "bearer":
                    return _refuse(401)
                try:
                    key = keys.get_signing_key_from_jwt(token).key
                    claims = jwt.decode(
                        token, key, algorithms=["RS256"], audience=settings["audience"],
                        issuer=settings["issuer"], leeway=60, options={"require": ["exp"]},
                    )  # fmt: skip
                    numeric_dates(claims)
                except (jwt.InvalidTokenError, jwt.PyJWKClientError):
                    return _refuse(401, "invalid_token")
                granted = claims.get("scope", "")
                if not isinstance(granted, str):
                    return _refuse(401, "invalid_token")
                if scope is not None and scope not in granted.split(" "):
                    return _refuse(403, "insufficient_scope", scope=scope)
                g.claims = claims
                return view()

            return guarded

        return decorate

    @app.get("/notes")
    @requires()
    def notes() -> Any:
        return {"notes": ["a note"], "sub": g.claims.get("sub")}

    @app.post("/notes")
    @requires("write:notes")
    def add_note() -> Any:
        return {"added": True}, 201

    return app
