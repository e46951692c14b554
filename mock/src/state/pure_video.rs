//! The fake server's behaviour for the group `pure_video` (`spec/pure_video.yaml`).

use super::*;
use crate::service::*;

impl PureVideoService for State {
    fn record_video(&mut self, request: RecordVideoParams) -> Result<(), Refusal> {
        let i = self.playback(request.room_id, request.session_id, request.version)?;
        if self
            .rooms
            .get(&request.room_id)
            .is_some_and(|r| r.product != ProductType::LargeClass)
        {
            return Err(Refusal::general("该接口只能用于大班课生成纯视频"));
        }
        let Some(r) = self.rows.get(i) else {
            return Err(Refusal::general("回放不存在"));
        };
        let key = (r.room_id, r.session_id, r.version);
        let url = format!("https://video.example-cdn.com/pure/{}.mp4", r.video_id);
        self.pure_videos.insert(key, url);
        Ok(())
    }

    fn record_room_video(
        &mut self,
        request: RecordRoomVideoParams,
    ) -> Result<RecordRoomVideoResult, Refusal> {
        if self.room(request.room_id)?.product != ProductType::LargeClass {
            return Err(Refusal::general("该接口只能用于大班课生成纯视频"));
        }
        let todo: Vec<(Key, VideoId)> = self
            .rows
            .iter()
            .filter(|r| r.room_id == request.room_id && r.version == 0 && r.main)
            .map(|r| ((r.room_id, r.session_id, r.version), r.video_id))
            .filter(|(k, _)| !self.pure_videos.contains_key(k))
            .collect();
        let mut success_fids = Vec::new();
        for (key, video) in todo {
            self.pure_videos.insert(
                key,
                format!("https://video.example-cdn.com/pure/{video}.mp4"),
            );
            success_fids.push(video.to_string());
        }
        Ok(record!(RecordRoomVideoResult { success_fids }))
    }

    fn get_record_video_url(
        &mut self,
        request: GetRecordVideoUrlParams,
    ) -> Result<RecordVideoUrl, Refusal> {
        let i = self.playback(request.room_id, request.session_id, request.version)?;
        let key = self
            .rows
            .get(i)
            .map(|r| (r.room_id, r.session_id, r.version));
        match key.and_then(|k| self.pure_videos.get(&k)) {
            Some(url) => Ok(record!(RecordVideoUrl {
                url: format!("{url}?t=65a00000&sign={}", hex(&[url])),
            })),
            None => Err(Refusal::general("纯视频未生成")),
        }
    }

    fn create_mixed_playback_video(
        &mut self,
        request: CreateMixedPlaybackVideoParams,
    ) -> Result<MixedPlaybackVideo, Refusal> {
        if request.mixed_playback_id != seed::MIXED_PLAYBACK_ID {
            return Err(Refusal::general(format!(
                "合并回放{}不存在",
                request.mixed_playback_id
            )));
        }
        self.mixed_created.insert(request.mixed_playback_id);
        Ok(record!(MixedPlaybackVideo {
            mixed_playback_id: request.mixed_playback_id,
        }))
    }

    fn get_mixed_playback_video_info(
        &mut self,
        request: GetMixedPlaybackVideoInfoParams,
    ) -> Result<MixedVideoInfo, Refusal> {
        if !self.mixed_created.contains(&request.mixed_playback_id) {
            return Err(Refusal::general("合并回放转纯视频任务不存在"));
        }
        let fid = 305_550_000 + request.mixed_playback_id;
        Ok(record!(MixedVideoInfo {
            play_info: BTreeMap::from([(
                "720p".to_owned(),
                record!(MixedVideoFile {
                    duration: Some(1858),
                    height: Some(720),
                    width: Some(1280),
                    size: Some(95_119_429),
                    url: Some(format!("https://video.example-cdn.com/mixed/{fid}.mp4")),
                }),
            )]),
            fid: fid.to_string(),
        }))
    }
}
