"""A stand-in for a force's identity provider (OpenID Connect, authorization code flow),
run on loopback for the tests: discovery, authorize (signs in whoever the test says),
token (an RS256 ID token with the nonce it was given) and the public keys. Synthetic
people only."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID, CLIENT_SECRET = "datawash", "client-secret-for-tests"


@dataclass
class FakeIdP:
    issuer: str = ""
    user: str = "riley.reviewer"  # who signs in at the provider next
    auth_age_seconds: int = 0  # how long ago they last typed their password there
    audience: str = CLIENT_ID
    prompts: list[str] = field(default_factory=list)
    subject: str | None = None  # the provider's account id; default one per user
    key: Any = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def app(self) -> Flask:
        app = Flask("fake_idp")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(
                issuer=self.issuer, authorization_endpoint=self.issuer + "/authorize",
                token_endpoint=self.issuer + "/token", jwks_uri=self.issuer + "/jwks",
                response_types_supported=["code"], subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
            )  # fmt: skip

        @app.get("/authorize")
        def authorize() -> Any:
            self.prompts.append(request.args.get("prompt", ""))
            code = secrets.token_urlsafe(8)
            self.codes[code] = {"nonce": request.args.get("nonce"), "user": self.user,
                                "sub": self.subject or "sub-" + self.user}  # fmt: skip
            query = urlencode({"code": code, "state": request.args["state"]})
            return redirect(request.args["redirect_uri"] + "?" + query)

        @app.post("/token")
        def token() -> Any:
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None:
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {
                "iss": self.issuer, "aud": self.audience, "sub": grant["sub"],
                "iat": now, "exp": now + 300, "auth_time": now - self.auth_age_seconds,
                "nonce": grant["nonce"], "preferred_username": grant["user"],
            }  # fmt: skip
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return jsonify(access_token="at", token_type="Bearer", expires_in=300,
                           id_token=id_token)  # fmt: skip

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(KeySet([self.key]).as_dict(private=False))

        return app


@contextmanager
def running_idp() -> Iterator[FakeIdP]:
    idp = FakeIdP()
    httpd = make_server("127.0.0.1", 0, idp.app(), threaded=True)
    idp.issuer = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        httpd.shutdown()
