//! Watches a plan react to the market: logs in, opens the live stream and prints each update.
//!
//! ```sh
//! cargo run -p glidepath-loadgen --example watch -- http://127.0.0.1:8080 me@example.com 'my password'
//! ```

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(email), Some(password)) = (args.next(), args.next(), args.next()) else {
        anyhow::bail!("usage: watch <server url> <email> <password>");
    };
    // 1. An access token, from the REST API.
    let tokens: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = tokens["access_token"].as_str().context("no access token")?;

    // 2. The WebSocket, speaking JSON; the token goes in the first message, not the URL.
    let mut request = format!("{}/ws", url.replacen("http", "ws", 1)).into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "glidepath.v1.json".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    for message in [
        ClientMessage::Auth {
            token: token.to_owned(),
        },
        ClientMessage::Subscribe {
            user_id: None,
            fan_chart: false,
        },
    ] {
        let text = String::from_utf8(Encoding::Json.encode(&message)?)?;
        socket.send(Message::Text(text.into())).await?;
    }

    // 3. A snapshot, then an update whenever a price the plan holds moves.
    while let Some(frame) = socket.next().await {
        let Message::Text(text) = frame? else {
            continue;
        };
        match Encoding::Json.decode::<ServerMessage>(text.as_bytes())? {
            ServerMessage::Snapshot { seq, state, .. }
            | ServerMessage::Update { seq, state, .. } => {
                println!(
                    "#{seq}: wealth {:.2} ({:?}), success {:.1}% ± {:.1}, median real terminal wealth {:.0}",
                    state.simulation.starting_wealth,
                    state.simulation.wealth_source,
                    state.simulation.success_probability * 100.0,
                    state.simulation.success_standard_error * 100.0,
                    state.simulation.terminal_real_wealth.p50,
                );
            }
            ServerMessage::Alert { alert, .. } => println!("alert: {}", alert.message),
            other => println!("{other:?}"),
        }
    }
    Ok(())
}
