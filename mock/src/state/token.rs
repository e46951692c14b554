//! The fake server's behaviour for the group `token` (`spec/token.yaml`).

use super::*;
use crate::service::*;

impl TokenService for State {
    fn get_player_token(&mut self, request: GetPlayerTokenParams) -> Result<PlayerToken, Refusal> {
        let i = self.playback(request.room_id, request.session_id, None)?;
        // A negative expires_in never gets here: it is not a `Lifetime`, so the request is refused
        // as a bad parameter when it is read.
        let video_id = self.rows.get(i).map_or(VideoId(0), |r| r.video_id);
        Ok(record!(PlayerToken {
            video_id,
            token: self.token(
                request.room_id,
                request.session_id.unwrap_or(NO_SESSION),
                &request.expires_in.as_secs().to_string(),
            ),
        }))
    }

    fn get_player_token_batch(
        &mut self,
        request: GetPlayerTokenBatchParams,
    ) -> Result<BTreeMap<PlaybackRef, String>, Refusal> {
        let expires = request.expires_in.as_secs().to_string();
        Ok(request
            .room_ids
            .iter()
            .filter(|r| {
                self.room(r.room_id).is_ok()
                    && self
                        .main_row(r.room_id, r.session_id.unwrap_or(NO_SESSION))
                        .is_some()
            })
            .map(|r| {
                (
                    *r,
                    self.token(r.room_id, r.session_id.unwrap_or(NO_SESSION), &expires),
                )
            })
            .collect())
    }

    fn get_limited_token(
        &mut self,
        request: GetLimitedTokenParams,
    ) -> Result<LimitedToken, Refusal> {
        self.playback(request.room_id, request.session_id, None)?;
        self.limited_tokens += 1;
        Ok(record!(LimitedToken {
            limited_token: hex(&[
                "limited",
                &request.room_id.to_string(),
                &self.limited_tokens.to_string(),
            ]),
        }))
    }
}
