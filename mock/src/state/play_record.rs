//! The fake server's behaviour for the group `play_record` (`spec/play_record.yaml`).

use super::*;
use crate::service::*;

impl PlayRecordService for State {
    fn get_playback_play_record(
        &mut self,
        request: GetPlaybackPlayRecordParams,
    ) -> Result<PlayRecordPage, Refusal> {
        self.room(request.room_id)?;
        // The window (not reversed, within one day) is checked before this, by the spec's rule
        // the client checks too (`OperationInfo::check_limits`).
        let session = request.session_id.unwrap_or(NO_SESSION);
        let version = match request.version {
            Some(v) => v,
            None => self
                .main_row(request.room_id, session)
                .map_or(0, |r| r.version),
        };
        let plays = self
            .plays_between(&request.start_time, &request.end_time)
            .filter(|p| {
                p.room_id == request.room_id && p.session_id == session && p.version == version
            })
            .filter(|p| request.user_number.is_none_or(|u| p.user_number() == u));
        let write = |p: &Play| {
            record!(PlayRecord {
                date: None,
                ..p.record()
            })
        };
        Ok(record_page(
            plays,
            write,
            request.page,
            request.page_size,
            100,
        ))
    }

    fn get_partner_playback_play_record(
        &mut self,
        request: GetPartnerPlaybackPlayRecordParams,
    ) -> Result<PlayRecordPage, Refusal> {
        let plays = self.plays_between(&request.start_time, &request.end_time);
        Ok(record_page(
            plays,
            Play::partner_record,
            request.page,
            request.page_size,
            1000,
        ))
    }
}
