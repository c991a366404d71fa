//! Bearer tokens (Ed25519, signed in the test) and the audit log.

use serde_json::{json, Value};

use super::harness::{query, request, Pg, Setup, CANARY_BODY};
use super::jwt::{self, Signer};
use super::proxy_v2::{self as pp, addr, aws_header, with, CLIENT, CMD_PROXY};
use super::raw::send_once;

fn jwt_setup(signer: &Signer) -> Setup {
    Setup {
        jwks: Some(signer.jwks()),
        routes: r#"
    - { methods: [POST], path: /v1/query/online, roles: [query-runner] }
    - { methods: [GET], path: /v1/query/plans/* }"#,
        ..Setup::default()
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn jwt_valid_token_is_admitted_and_upstream_sees_subject() {
    let signer = Signer::generate();
    let pg = Pg::start(jwt_setup(&signer)).await;
    let token = signer.sign(&jwt::claims(&["reader", "query-runner"]));
    let auth = bearer(&token);
    let req = query(&[
        ("Authorization", auth.as_str()),
        ("X-Planeguard-Peer", "aws:vpce-0a1b2c3d4e5f60718; sub=admin"),
    ]);
    let r = send_once(pg.admission, with(aws_header(), &req))
        .await
        .resp("valid jwt");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let got = pg.sink.wait_for(1).await;
    assert_eq!(
        got[0].headers.get_all("x-planeguard-peer").iter().count(),
        1
    );
    assert_eq!(
        got[0].headers["x-planeguard-peer"],
        format!("aws:vpce-0a1b2c3d4e5f60718; sub={}", jwt::SUBJECT)
    );
    // A route without roles still needs a valid token, and gets the subject too.
    let req = request(
        "GET",
        "/v1/query/plans/7",
        &[("Authorization", auth.as_str())],
        b"",
    );
    let status = send_once(pg.admission, with(aws_header(), &req))
        .await
        .status("roleless route");
    assert_eq!(status, 200);
    let got = pg.sink.wait_for(2).await;
    assert!(got[1].headers["x-planeguard-peer"]
        .to_str()
        .unwrap()
        .ends_with("; sub=mp-query-svc"));
    let admitted = pg.audit_reason("ok");
    assert_eq!(admitted.len(), 2);
    assert_eq!(admitted[0]["jwt_subject"], jwt::SUBJECT);
    pg.stop().await;
}

#[tokio::test]
async fn jwt_refusals_are_401_and_missing_role_is_403() {
    let signer = Signer::generate();
    let other = Signer::generate();
    let pg = Pg::start(jwt_setup(&signer)).await;
    let ok = jwt::claims(&["query-runner"]);
    let mut expired = ok.clone();
    expired["exp"] = json!(jwt::now() - 3600);
    expired["iat"] = json!(jwt::now() - 7200);
    expired["nbf"] = json!(jwt::now() - 7200);
    let mut wrong_aud = ok.clone();
    wrong_aud["aud"] = json!("some-other-service");
    let mut wrong_iss = ok.clone();
    wrong_iss["iss"] = json!("https://evil.example");
    let good = signer.sign(&ok);
    let mut tampered = good.clone();
    // Flip a bit inside the signature (the last character may carry padding bits only).
    let at = tampered.len() - 5;
    let flipped = if &tampered[at..at + 1] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(at..at + 1, flipped);
    let hs256 = signer.sign_with_header(&json!({"alg": "HS256", "kid": jwt::KID}), &ok);
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("expired", Some(signer.sign(&expired)), "expired"),
        (
            "wrong audience",
            Some(signer.sign(&wrong_aud)),
            "wrong_audience",
        ),
        (
            "wrong issuer",
            Some(signer.sign(&wrong_iss)),
            "wrong_issuer",
        ),
        ("alg none", Some(jwt::unsigned(&ok)), "alg_not_allowed"),
        ("alg HS256", Some(hs256), "alg_not_allowed"),
        (
            "signed by another key",
            Some(other.sign(&ok)),
            "bad_signature",
        ),
        ("tampered signature", Some(tampered), "bad_signature"),
        ("no token", None, "missing_token"),
    ];
    for (what, token, reason) in &cases {
        let auth = token.as_deref().map(bearer);
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        let r = send_once(pg.admission, with(aws_header(), &query(&headers)))
            .await
            .resp(what);
        assert_eq!(
            r.status,
            401,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.error(), *reason, "{what}");
        assert!(
            r.header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer")),
            "{what}: {:?}",
            r.headers
        );
    }
    let no_role = signer.sign(&jwt::claims(&["reader"]));
    let auth = bearer(&no_role);
    let r = send_once(
        pg.admission,
        with(aws_header(), &query(&[("Authorization", auth.as_str())])),
    )
    .await
    .resp("missing role");
    assert_eq!(r.status, 403);
    assert_eq!(r.error(), "missing_role");
    pg.assert_upstream_untouched("jwt refusals").await;
    // Refusals never echo the token into the response.
    assert!(!String::from_utf8_lossy(&r.body).contains(&no_role));
    pg.stop().await;
}

#[tokio::test]
async fn audit_log_has_one_line_per_decision_and_no_secrets() {
    let signer = Signer::generate();
    let pg = Pg::start(jwt_setup(&signer)).await;
    let token = signer.sign(&jwt::claims(&["query-runner"]));
    let auth = bearer(&token);
    let body = format!(r#"{{"q":"{CANARY_BODY}"}}"#);
    let secret_query = "api_key=QUERY-CANARY-55";
    // 1. admitted request (connection admit + request admit)
    let req = request(
        "POST",
        &format!("/v1/query/online?{secret_query}"),
        &[
            ("Authorization", auth.as_str()),
            ("Cookie", "session=COOKIE-CANARY"),
        ],
        body.as_bytes(),
    );
    assert_eq!(
        send_once(pg.admission, with(aws_header(), &req))
            .await
            .status("admit"),
        200
    );
    // 2. request denied on its route (connection admit + request deny)
    let req = request(
        "POST",
        "/v1/admin",
        &[("Authorization", auth.as_str())],
        body.as_bytes(),
    );
    assert_eq!(
        send_once(pg.admission, with(aws_header(), &req))
            .await
            .status("route"),
        403
    );
    // 3. expired token (connection admit + request deny)
    let mut expired = jwt::claims(&["query-runner"]);
    expired["exp"] = json!(jwt::now() - 3600);
    let expired_token = signer.sign(&expired);
    let expired_auth = bearer(&expired_token);
    let req = query(&[("Authorization", expired_auth.as_str())]);
    assert_eq!(
        send_once(pg.admission, with(aws_header(), &req))
            .await
            .status("expired"),
        401
    );
    // 4. connection refused on its endpoint id (connection deny only)
    let header = pp::v2(
        CMD_PROXY,
        addr(CLIENT),
        addr(pp::LB_FRONT),
        &[pp::aws("vpce-0ffffffffffffffff")],
    );
    let req = query(&[("Authorization", auth.as_str())]);
    send_once(pg.admission, with(header, &req))
        .await
        .closed("endpoint");

    let text = pg.audit_text();
    for secret in [
        token.as_str(),
        expired_token.as_str(),
        CANARY_BODY,
        "QUERY-CANARY-55",
        "COOKIE-CANARY",
        "Bearer",
    ] {
        assert!(
            !text.contains(secret),
            "audit log leaks {secret:?}:\n{text}"
        );
    }
    let lines = pg.audit();
    assert_eq!(lines.len(), 7, "{lines:#?}");
    for e in &lines {
        for field in [
            "time",
            "listener",
            "source",
            "peer",
            "endpoint",
            "method",
            "path",
            "decision",
            "reason",
            "status",
            "latency_ms",
        ] {
            assert!(e.get(field).is_some(), "audit entry lacks {field}: {e}");
        }
        let time = e["time"].as_str().expect("time is a string");
        assert!(
            time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{time}"
        );
        assert_eq!(e["listener"], "metadata-plane");
        assert_eq!(e["source"], CLIENT);
    }
    let requests: Vec<&Value> = lines.iter().filter(|e| !e["method"].is_null()).collect();
    let summary: Vec<(String, String, String, String, u64)> = requests
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or("").to_owned(),
                e["path"].as_str().unwrap_or("").to_owned(),
                e["decision"].as_str().unwrap_or("").to_owned(),
                e["reason"].as_str().unwrap_or("").to_owned(),
                e["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let s = |x: &str| x.to_owned();
    assert_eq!(
        summary,
        vec![
            (s("POST"), s("/v1/query/online"), s("admit"), s("ok"), 200),
            (
                s("POST"),
                s("/v1/admin"),
                s("deny"),
                s("route_not_allowed"),
                403
            ),
            (
                s("POST"),
                s("/v1/query/online"),
                s("deny"),
                s("expired"),
                401
            ),
        ]
    );
    assert_eq!(requests[0]["endpoint"], "aws:vpce-0a1b2c3d4e5f60718");
    assert_eq!(requests[0]["jwt_subject"], jwt::SUBJECT);
    assert_eq!(requests[0]["bytes_in"], body.len());
    let conns: Vec<&Value> = lines.iter().filter(|e| e["method"].is_null()).collect();
    assert_eq!(conns.len(), 4);
    assert_eq!(conns.iter().filter(|e| e["decision"] == "admit").count(), 3);
    let refused: Vec<_> = conns.iter().filter(|e| e["decision"] == "deny").collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["reason"], "endpoint_not_allowed");
    assert_eq!(refused[0]["endpoint"], "aws:vpce-0ffffffffffffffff");
    assert_eq!(
        pg.sink.count(),
        1,
        "only the admitted request was forwarded"
    );
    pg.stop().await;
}
