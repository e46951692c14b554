//! The fake server's behaviour for the group `editing` (`spec/editing.yaml`).

use super::*;
use crate::service::*;

impl EditingService for State {
    fn crop_by_segment(
        &mut self,
        request: CropBySegmentParams,
    ) -> Result<CroppedVideoList, Refusal> {
        let i = self.playback(request.room_id, request.session_id, Some(0))?;
        if request.length_per_segment <= 0 {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: length_per_segment",
            ));
        }
        let length = self.rows.get(i).map_or(0, |r| r.length);
        let name = self
            .rows
            .get(i)
            .map(|r| r.name.to_string())
            .unwrap_or_default();
        let pieces: Vec<(i64, i64, String)> = (0..)
            .map(|k| k * request.length_per_segment)
            .take_while(|start| *start < length)
            .enumerate()
            .map(|(k, start)| {
                (
                    start,
                    (start + request.length_per_segment).min(length),
                    format!("{name}_分段{}", k + 1),
                )
            })
            .collect();
        Ok(self.crop(i, &pieces))
    }

    fn batch_crop(&mut self, request: BatchCropParams) -> Result<CroppedVideoList, Refusal> {
        let i = self.playback(request.room_id, request.session_id, Some(0))?;
        let length = self.rows.get(i).map_or(0, |r| r.length);
        if request.crop_info.is_empty() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: crop_info 为空",
            ));
        }
        for c in &request.crop_info {
            if c.start_time < 0 || c.end_time <= c.start_time || c.end_time > length {
                return Err(Refusal::new(
                    ErrorCode::InvalidParameter,
                    format!("参数错误: 裁剪区间 {}-{} 无效", c.start_time, c.end_time),
                ));
            }
        }
        let pieces: Vec<(i64, i64, String)> = request
            .crop_info
            .iter()
            .map(|c| (c.start_time, c.end_time, c.name.clone()))
            .collect();
        Ok(self.crop(i, &pieces))
    }

    fn get_mark_list(&mut self, request: GetMarkListParams) -> Result<MarkList, Refusal> {
        self.room(request.room_id)?;
        let key = (
            request.room_id,
            request.session_id.unwrap_or(NO_SESSION),
            request.version.unwrap_or(0),
        );
        Ok(record!(MarkList {
            list: self.marks.get(&key).cloned().unwrap_or_default(),
        }))
    }

    fn set_mark(&mut self, request: SetMarkParams) -> Result<(), Refusal> {
        self.playback(
            request.room_id,
            request.session_id,
            request.version.or(Some(0)),
        )?;
        let key = (
            request.room_id,
            request.session_id.unwrap_or(NO_SESSION),
            request.version.unwrap_or(0),
        );
        self.marks
            .insert(key, request.content.clone().unwrap_or_default());
        Ok(())
    }

    fn delete_chat(&mut self, request: DeleteChatParams) -> Result<(), Refusal> {
        self.playback(
            request.room_id,
            request.session_id,
            request.version.or(Some(0)),
        )?;
        let by_time = request.delete_start_time.is_some() && request.delete_end_time.is_some();
        if !by_time && request.delete_user_number.is_none() && request.delete_json.is_none() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 删除时间和删除用户，删除json数组三个参数必须传递其一",
            ));
        }
        self.chat_deletions += 1;
        Ok(())
    }
}

impl State {
    /// Creates cropped versions of a playback, one per `(start, end, name)`.
    fn crop(&mut self, of: usize, pieces: &[(i64, i64, String)]) -> CroppedVideoList {
        let Some(source) = self.rows.get(of).cloned() else {
            return record!(CroppedVideoList {
                total: Some(0),
                list: Vec::new(),
            });
        };
        let mut version = self
            .rows_of(source.room_id, source.session_id)
            .map(|r| r.version)
            .max()
            .unwrap_or(0);
        let mut list = Vec::new();
        for (start, end, name) in pieces {
            version += 1;
            let mut row = source.clone();
            row.id = self.next_id;
            self.next_id += 1;
            row.video_id = self.next_video_id;
            self.next_video_id.0 += 1;
            row.version = version;
            row.main = false;
            row.name = name.as_str().into();
            row.length = end - start;
            row.total_size = row.length * 35_000;
            row.transcode_size = row.length * 120_000;
            row.play_times = 0;
            list.push(record!(CroppedVideo {
                video_id: row.video_id,
                room_id: row.room_id,
                session_id: Some(row.session_id),
                version,
            }));
            self.insert_row(row);
        }
        record!(CroppedVideoList {
            total: Some(count(list.len())),
            list,
        })
    }
}
