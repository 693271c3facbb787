//! `/ws` with real WebSocket clients, in both encodings.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(
    app: &TestApp,
    subprotocol: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("{}/ws", app.address.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    if let Some(p) = subprotocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", p.parse().unwrap());
    }
    if let Some(o) = origin {
        request.headers_mut().insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// Opens `/ws` with `Host` (the address's own when `None`) and `Origin` set as a browser
/// would; the handshake's HTTP status when refused.
async fn connect_as(app: &TestApp, host: Option<&str>, origin: &str) -> Result<Socket, u16> {
    let mut request = format!("{}/ws", app.address.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    if let Some(host) = host {
        request.headers_mut().insert("host", host.parse().unwrap());
    }
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("handshake failed: {e}"),
    }
}

pub async fn send(socket: &mut Socket, encoding: Encoding, message: &ClientMessage) {
    let bytes = encoding.encode(message).unwrap();
    let frame = match encoding {
        Encoding::Json => Message::Text(String::from_utf8(bytes).unwrap().into()),
        Encoding::MessagePack => Message::Binary(Bytes::from(bytes)),
    };
    socket.send(frame).await.unwrap();
}

/// The next data frame, decoded; `Err(close code)` if the server closed instead.
pub async fn receive<S>(socket: &mut S, encoding: Encoding) -> Result<ServerMessage, u16>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s");
        match frame {
            Some(Ok(Message::Text(t))) => return Ok(encoding.decode(t.as_bytes()).unwrap()),
            Some(Ok(Message::Binary(b))) => return Ok(encoding.decode(&b).unwrap()),
            Some(Ok(Message::Close(frame))) => {
                return Err(frame.map_or(1005, |f| u16::from(f.code)));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("socket error: {e}"),
            None => return Err(1006),
        }
    }
}

#[actix_web::test]
async fn auth_ping_and_bad_frames_in_both_encodings() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    for encoding in [Encoding::Json, Encoding::MessagePack] {
        let mut socket = connect(&app, Some(encoding.subprotocol()), None)
            .await
            .unwrap();
        send(&mut socket, encoding, &ClientMessage::Ping { nonce: 1 }).await;
        assert!(matches!(
            receive(&mut socket, encoding).await,
            Ok(ServerMessage::Error {
                code: protocol::ErrorCode::Unauthorized,
                ..
            })
        ));

        send(
            &mut socket,
            encoding,
            &ClientMessage::Auth {
                token: user.access.clone(),
            },
        )
        .await;
        match receive(&mut socket, encoding).await {
            Ok(ServerMessage::Welcome {
                user_id,
                expires_at_ms,
            }) => {
                assert_eq!(user_id, user.id);
                assert!(expires_at_ms > 0);
            }
            other => panic!("expected welcome, got {other:?}"),
        }
        send(&mut socket, encoding, &ClientMessage::Ping { nonce: 42 }).await;
        assert_eq!(
            receive(&mut socket, encoding).await,
            Ok(ServerMessage::Pong { nonce: 42 })
        );

        // Garbage, an unknown type and the wrong frame kind: error frames, and the connection lives on.
        let garbage = match encoding {
            Encoding::Json => Message::Text("{not json".into()),
            Encoding::MessagePack => Message::Binary(Bytes::from_static(b"\xc1\xc1")),
        };
        socket.send(garbage).await.unwrap();
        assert!(matches!(
            receive(&mut socket, encoding).await,
            Ok(ServerMessage::Error {
                code: protocol::ErrorCode::MalformedRequest,
                ..
            })
        ));
        let wrong_kind = match encoding {
            Encoding::Json => Message::Binary(Bytes::from_static(b"\x01")),
            Encoding::MessagePack => Message::Text("{}".into()),
        };
        socket.send(wrong_kind).await.unwrap();
        assert!(matches!(
            receive(&mut socket, encoding).await,
            Ok(ServerMessage::Error { .. })
        ));
        send(&mut socket, encoding, &ClientMessage::Ping { nonce: 43 }).await;
        assert_eq!(
            receive(&mut socket, encoding).await,
            Ok(ServerMessage::Pong { nonce: 43 })
        );
    }
}

#[actix_web::test]
async fn no_or_bad_authentication_closes_with_4401() {
    let app = spawn_app_with(|s| s.ws.auth_timeout = Duration::from_millis(300)).await;
    let mut silent = connect(&app, None, None).await.unwrap();
    assert_eq!(receive(&mut silent, Encoding::Json).await, Err(4401));
    let mut liar = connect(&app, Some("glidepath.v1.json"), None)
        .await
        .unwrap();
    send(
        &mut liar,
        Encoding::Json,
        &ClientMessage::Auth {
            token: "not.a.token".into(),
        },
    )
    .await;
    assert_eq!(receive(&mut liar, Encoding::Json).await, Err(4401));
}

#[actix_web::test]
async fn an_expired_token_closes_the_connection_with_4001() {
    let app = spawn_app_with(|s| s.auth.access_ttl = Duration::from_secs(1)).await;
    let user = app.new_user().await;
    let mut socket = connect(&app, None, None).await.unwrap();
    send(
        &mut socket,
        Encoding::Json,
        &ClientMessage::Auth {
            token: user.access.clone(),
        },
    )
    .await;
    assert!(matches!(
        receive(&mut socket, Encoding::Json).await,
        Ok(ServerMessage::Welcome { .. })
    ));
    assert_eq!(receive(&mut socket, Encoding::Json).await, Err(4001));
}

#[actix_web::test]
async fn oversized_messages_close_with_1009() {
    let app = spawn_app_with(|s| s.ws.max_message_bytes = 1024).await;
    let mut socket = connect(&app, None, None).await.unwrap();
    socket
        .send(Message::Text("x".repeat(4096).into()))
        .await
        .unwrap();
    assert_eq!(receive(&mut socket, Encoding::Json).await, Err(1009));
}

#[actix_web::test]
async fn the_handshake_checks_origin_and_subprotocol() {
    let app = spawn_app_with(|s| s.ws.allowed_origins = vec!["https://dash.example".into()]).await;
    assert!(
        connect(&app, None, Some("https://dash.example"))
            .await
            .is_ok()
    );
    let own_origin = app.address.clone();
    assert!(
        connect(&app, None, Some(&own_origin)).await.is_ok(),
        "the server's own origin is always allowed"
    );
    match connect(&app, None, Some("https://evil.example")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected 403, got {other:?}"),
    }
    match connect(&app, Some("chat.v9"), None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400)
        }
        other => panic!("expected 400, got {other:?}"),
    }
    let plain = app.get("/ws", None).await;
    crate::helpers::problem(plain, reqwest::StatusCode::BAD_REQUEST, "malformed_request").await;
}

/// Sends `messages` in one TCP write: the socket buffers fed frames until the flush.
pub async fn burst<S>(sink: &mut S, messages: impl IntoIterator<Item = Message>)
where
    S: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    for message in messages {
        sink.feed(message).await.unwrap();
    }
    sink.flush().await.unwrap();
}

#[actix_web::test]
async fn a_client_that_sends_in_bursts_and_reads_every_answer_is_never_closed() {
    const BURSTS: u64 = 100;
    const PER_BURST: u64 = 100;
    let app = spawn_app().await;
    let user = app.new_user().await;
    let mut socket = connect(&app, None, None).await.unwrap();
    send(
        &mut socket,
        Encoding::Json,
        &ClientMessage::Auth {
            token: user.access.clone(),
        },
    )
    .await;
    assert!(matches!(
        receive(&mut socket, Encoding::Json).await,
        Ok(ServerMessage::Welcome { .. })
    ));
    let (mut sink, mut stream) = socket.split();
    // Bursts as fast as the server takes them, while every answer is read as it comes.
    let writer = async {
        for b in 0..BURSTS {
            let pings = (0..PER_BURST).map(|i| {
                Message::Text(format!(r#"{{"type":"ping","nonce":{}}}"#, b * PER_BURST + i).into())
            });
            burst(&mut sink, pings).await;
        }
    };
    let reader = async {
        for expected in 0..BURSTS * PER_BURST {
            match receive(&mut stream, Encoding::Json).await {
                Ok(ServerMessage::Pong { nonce }) => assert_eq!(nonce, expected),
                other => panic!("answer {expected}: expected a pong, got {other:?}"),
            }
        }
    };
    tokio::time::timeout(
        Duration::from_secs(120),
        futures_util::future::join(writer, reader),
    )
    .await
    .expect("10,000 answers within 2 minutes");
}

#[actix_web::test]
async fn the_origin_must_be_the_servers_own_or_allowed_by_scheme_host_and_port() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    for origin in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ] {
        assert!(connect_as(&app, None, &origin).await.is_ok(), "{origin}");
    }
    for origin in [
        format!("evil://127.0.0.1:{port}"),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.parse::<u16>().unwrap() + 1),
        "http://127.0.0.1".to_owned(),
        "null".to_owned(),
    ] {
        assert_eq!(
            connect_as(&app, None, &origin).await.err(),
            Some(403),
            "{origin}"
        );
    }
}

#[actix_web::test]
async fn a_host_the_server_does_not_answer_to_is_refused_on_every_route() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    // A page on a name re-pointed at the server (DNS rebinding): same-origin to the browser.
    for host in ["evil.example".to_owned(), format!("evil.example:{port}")] {
        let origin = format!("http://{host}");
        assert_eq!(
            connect_as(&app, Some(&host), &origin).await.err(),
            Some(400),
            "{host}"
        );
        for path in ["/health", "/openapi.json", "/no/such/path"] {
            let refused = app
                .client
                .get(format!("{}{path}", app.address))
                .header("host", &host)
                .send()
                .await
                .unwrap();
            let body = crate::helpers::problem(
                refused,
                reqwest::StatusCode::BAD_REQUEST,
                "malformed_request",
            )
            .await;
            assert_eq!(crate::helpers::fields(&body), ["Host"], "{path}");
        }
    }
    let answered = app
        .client
        .get(format!("{}/health", app.address))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answered.status(),
        200,
        "the loopback names are the server's own"
    );
}

#[actix_web::test]
async fn configured_hosts_and_public_origins_are_answered() {
    let app = spawn_app_with(|s| {
        s.allowed_hosts = vec!["internal.example".into()];
        s.public_origins = vec!["https://plan.example".into()];
    })
    .await;
    for (host, status) in [
        ("internal.example", 200),
        ("internal.example:8443", 200),
        ("plan.example", 200),
        ("other.example", 400),
    ] {
        let response = app
            .client
            .get(format!("{}/health", app.address))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{host}");
    }
    // Behind a TLS proxy: the browser's page is https://plan.example, whatever the hop.
    assert!(
        connect_as(&app, Some("plan.example"), "https://plan.example")
            .await
            .is_ok()
    );
    assert_eq!(
        connect_as(&app, Some("plan.example"), "http://plan.example")
            .await
            .err(),
        Some(403),
        "http is another origin than https"
    );
    assert_eq!(
        connect_as(&app, Some("internal.example"), "https://internal.example")
            .await
            .err(),
        Some(403),
        "a host answered to is not an origin allowed to open /ws"
    );
}
