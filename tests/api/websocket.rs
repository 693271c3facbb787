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
    let app = spawn_app_with(|s| s.ws.auth_timeout_ms = 300).await;
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
    let app = spawn_app_with(|s| s.auth.access_ttl_secs = 1).await;
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
    let host_origin = app.address.clone();
    assert!(
        connect(&app, None, Some(&host_origin)).await.is_ok(),
        "same origin is always allowed"
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
