//! Links to Baijiayun's web player (`/web/playback/index`), and the iframe that embeds it.
//!
//! ```
//! use baijiayun::player::PlayerUrl;
//! use baijiayun::types::{RoomId, SessionId};
//! use baijiayun::PlaybackRef;
//!
//! // A room's playback (`RoomId`), one session's (`PlaybackRef`), or a listed `&Playback`.
//! let playback = PlaybackRef::session(RoomId(17081558148393), SessionId(201801040));
//! let url = PlayerUrl::new("https://e12345678.at.baijiayun.com", playback)
//!     .token("zY1XA5xo-Ve9cWOOu4")            // from get_player_token
//!     .user_name("张三")
//!     .user_number(42)
//!     .to_string();
//! assert_eq!(
//!     url,
//!     "https://e12345678.at.baijiayun.com/web/playback/index?classid=17081558148393\
//!      &session_id=201801040&token=zY1XA5xo-Ve9cWOOu4&user_name=%E5%BC%A0%E4%B8%89&user_number=42"
//! );
//! ```
//!
//! `user_name` and `user_number` are what the play records (APIs 6 and 37) report for the viewer.

use std::fmt;

use super::playback_ref::PlaybackRef;
use crate::types::SessionId;

/// How the player is authorised.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Credential {
    None,
    /// A playback token (APIs 3 and 4).
    Token(String),
    /// A one-time token (API 33). The doc does not print the parameter's name; `limited_token` is
    /// what it calls the value.
    Limited(String),
}

/// A web player URL, built field by field and written URL-encoded by `Display`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PlayerUrl {
    base_url: String,
    /// The room (`classid`) and session; "no session" has [`PlaybackRef`]'s one form.
    playback: PlaybackRef,
    credential: Credential,
    user_name: Option<String>,
    user_number: Option<i64>,
}

impl PlayerUrl {
    /// The player of `playback` on `base_url` (the private domain's URL, e.g.
    /// `https://e12345678.at.baijiayun.com`, or [`crate::Client::base_url`]): a room's playback
    /// ([`RoomId`](crate::types::RoomId)), one session's ([`PlaybackRef`]) or a listed [`&Playback`](crate::types::Playback).
    pub fn new(base_url: impl Into<String>, playback: impl Into<PlaybackRef>) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        PlayerUrl {
            base_url,
            playback: playback.into(),
            credential: Credential::None,
            user_name: None,
            user_number: None,
        }
    }

    /// The playback token from `get_player_token` or `get_player_token_batch`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.credential = Credential::Token(token.into());
        self
    }

    /// A one-time `limited_token` from `get_limited_token`, instead of a token.
    pub fn limited_token(mut self, token: impl Into<String>) -> Self {
        self.credential = Credential::Limited(token.into());
        self
    }

    /// The session of a long-term room (`SessionId(0)`, "none", clears it).
    pub fn session_id(mut self, session_id: impl Into<SessionId>) -> Self {
        self.playback = PlaybackRef::new(self.playback.room_id, Some(session_id.into()));
        self
    }

    /// The viewer's name, reported in play records.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_name = Some(name.into());
        self
    }

    /// The viewer's number (a positive integer), reported in play records.
    pub fn user_number(mut self, number: i64) -> Self {
        self.user_number = Some(number);
        self
    }

    /// An `<iframe>` embedding the player, its attributes HTML-escaped.
    pub fn iframe(&self, width: &str, height: &str) -> String {
        format!(
            "<iframe src=\"{}\" width=\"{}\" height=\"{}\" allowfullscreen frameborder=\"0\"></iframe>",
            html_escape(&self.to_string()),
            html_escape(width),
            html_escape(height)
        )
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl fmt::Display for PlayerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair(
            "classid",
            itoa::Buffer::new().format(self.playback.room_id.0),
        );
        if let Some(s) = self.playback.named_session() {
            query.append_pair("session_id", itoa::Buffer::new().format(s.0));
        }
        match &self.credential {
            Credential::None => {}
            Credential::Token(t) => {
                query.append_pair("token", t);
            }
            Credential::Limited(t) => {
                query.append_pair("limited_token", t);
            }
        }
        if let Some(n) = &self.user_name {
            query.append_pair("user_name", n);
        }
        if let Some(n) = self.user_number {
            query.append_pair("user_number", itoa::Buffer::new().format(n));
        }
        // form_urlencoded writes spaces as `+`; a URL's query reads `%20` everywhere.
        let query = query.finish().replace('+', "%20");
        write!(f, "{}/web/playback/index?{query}", self.base_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RoomId;

    #[test]
    fn round_trips_through_a_url_parser() {
        let url = PlayerUrl::new("https://e1.at.baijiayun.com/", RoomId(17))
            .limited_token("a&b=c")
            .user_name("张 三+")
            .to_string();
        let parsed = reqwest::Url::parse(&url).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.path(), "/web/playback/index");
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("classid".into(), "17".into()),
                ("limited_token".into(), "a&b=c".into()),
                ("user_name".into(), "张 三+".into()),
            ]
        );
    }

    #[test]
    fn iframe_escapes_its_attributes() {
        let html = PlayerUrl::new("https://x", RoomId(1))
            .token("t")
            .iframe("100%", "\"><script>");
        assert!(
            html.starts_with("<iframe src=\"https://x/web/playback/index?classid=1&amp;token=t\"")
        );
        assert!(html.contains("height=\"&quot;&gt;&lt;script&gt;\""));
    }

    #[test]
    fn a_session_of_zero_is_no_session() {
        let url = PlayerUrl::new("https://x", PlaybackRef::session(RoomId(1), SessionId(0)))
            .session_id(0)
            .to_string();
        assert_eq!(url, "https://x/web/playback/index?classid=1");
        let built = PlaybackRef {
            room_id: RoomId(1),
            session_id: Some(SessionId(0)),
        };
        let url = PlayerUrl::new("https://x", built).to_string();
        assert_eq!(url, "https://x/web/playback/index?classid=1");
        let url = PlayerUrl::new("https://x", RoomId(1))
            .session_id(5)
            .to_string();
        assert_eq!(url, "https://x/web/playback/index?classid=1&session_id=5");
    }
}
