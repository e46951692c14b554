//! The fake server's behaviour for the group `play_record` (`spec/play_record.yaml`).

use super::*;
use crate::generated::service::PlayRecordService;

impl PlayRecordService for State {
    fn get_playback_play_record(
        &mut self,
        request: crate::play_record::GetPlaybackPlayRecordRequest,
    ) -> Result<PlayRecordPage, Refusal> {
        self.room(request.room_id)?;
        Self::window(&request.start_time, &request.end_time)?;
        if request.start_time.date() != request.end_time.date() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 查询时间不能跨天",
            ));
        }
        let session = request.session_id.unwrap_or(NO_SESSION);
        let version = match request.version {
            Some(v) => v,
            None => self
                .main_row(request.room_id, session)
                .map_or(0, |r| r.version),
        };
        let records = self
            .plays_between(&request.start_time, &request.end_time)
            .filter(|p| {
                p.room_id == request.room_id && p.session_id == session && p.version == version
            })
            .filter(|p| {
                request
                    .user_number
                    .is_none_or(|u| p.record.user_number == Some(u))
            })
            .map(|p| PlayRecord {
                date: None,
                ..p.record.clone()
            })
            .collect();
        Ok(record_page(records, request.page, request.page_size, 100))
    }

    fn get_partner_playback_play_record(
        &mut self,
        request: crate::play_record::GetPartnerPlaybackPlayRecordRequest,
    ) -> Result<PlayRecordPage, Refusal> {
        Self::window(&request.start_time, &request.end_time)?;
        let records = self
            .plays_between(&request.start_time, &request.end_time)
            .map(|p| PlayRecord {
                uuid: Some(format!("uuid-{}", p.record.guid.to_lowercase())),
                ..p.record.clone()
            })
            .collect();
        Ok(record_page(records, request.page, request.page_size, 1000))
    }
}

impl State {
    /// The play records of a window that must lie within one day (APIs 6 and 37).
    fn window(start: &DateTime, end: &DateTime) -> Result<(), Refusal> {
        if end < start {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: end_time 早于 start_time",
            ));
        }
        Ok(())
    }
}
