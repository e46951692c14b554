//! The fake server's behaviour for the group `playback` (`spec/playback.yaml`).

use super::*;
use crate::service::*;

impl PlaybackService for State {
    fn get_basic_info(&mut self, request: GetBasicInfoParams) -> Result<BasicInfo, Refusal> {
        self.room(request.room_id)?;
        let Some(r) = self.main_row(request.room_id, request.session_id.unwrap_or(NO_SESSION))
        else {
            return Ok(record!(BasicInfo {
                status: PlaybackStatus::NotRecorded,
                video_id: None,
                name: None,
                length: None,
                total_size: None,
                total_transcode_size: None,
                total_ext_media_size: None,
                preface_url: None,
                publish_status: None,
                create_time: None,
            }));
        };
        Ok(record!(BasicInfo {
            status: r.status,
            video_id: Some(r.video_id),
            name: Some(r.name.to_string()),
            length: Some(r.length),
            total_size: Some(r.total_size),
            total_transcode_size: Some(r.transcode_size),
            total_ext_media_size: Some(r.ext_media_size),
            preface_url: Some(r.preface_url()),
            publish_status: Some(r.publish),
            create_time: Some(text_time(r.created)),
        }))
    }

    fn get_list(&mut self, request: GetListParams) -> Result<PlaybackPage, Refusal> {
        if let Some(room) = request.room_id {
            self.room(room)?;
        }
        // The rows are kept in the list's order: one pass counts the total and takes the page,
        // without copying or sorting the account.
        let size = usize::try_from(request.page_size.max(1)).unwrap_or(1);
        let skip = usize::try_from(request.page.max(1) - 1)
            .unwrap_or(0)
            .saturating_mul(size);
        let (mut total, mut list) = (0_usize, Vec::with_capacity(size.min(1000)));
        for r in self.listed(request.product_type, request.crop_video.unwrap_or(false)) {
            if request.room_id.is_some_and(|id| id != r.room_id) {
                continue;
            }
            if total >= skip && list.len() < size {
                list.push(self.playback_record(r, false));
            }
            total += 1;
        }
        Ok(record!(PlaybackPage {
            total: count(total),
            list,
        }))
    }

    fn get_session_list(
        &mut self,
        request: GetSessionListParams,
    ) -> Result<SessionPlaybackList, Refusal> {
        self.room(request.room_id)?;
        let mut rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| {
                r.room_id == request.room_id && r.session_id != NO_SESSION && r.version == 0
            })
            .collect();
        rows.sort_by_key(|r| r.session_id);
        let list: Vec<SessionPlayback> = rows
            .into_iter()
            .map(|r| {
                record!(SessionPlayback {
                    session_id: r.session_id,
                    video_id: Some(r.video_id),
                    name: Some(r.name.to_string()),
                    status: r.status,
                    publish_status: Some(r.publish),
                    length: Some(r.length),
                    total_transcode_size: Some(r.transcode_size),
                    preface_url: Some(r.preface_url()),
                    play_url: Some(self.play_url(r)),
                    create_time: Some(text_time(r.created)),
                })
            })
            .collect();
        Ok(record!(SessionPlaybackList {
            total: Some(count(list.len())),
            list,
        }))
    }

    fn set_publish_status(
        &mut self,
        request: SetPublishStatusParams,
    ) -> Result<PublishStatusResult, Refusal> {
        self.playback(request.room_id, request.session_id, None)?;
        let session = request.session_id.unwrap_or(NO_SESSION);
        for r in self
            .rows
            .iter_mut()
            .filter(|r| r.room_id == request.room_id && r.session_id == session)
        {
            r.publish = request.status;
        }
        Ok(record!(PublishStatusResult {
            status: request.status,
        }))
    }

    fn delete_playback(&mut self, request: DeletePlaybackParams) -> Result<(), Refusal> {
        self.room(request.room_id)?;
        let session = request.session_id.unwrap_or(NO_SESSION);
        let before = self.rows.len();
        self.rows.retain(|r| {
            !(r.room_id == request.room_id
                && r.session_id == session
                && request.version.is_none_or(|v| v == r.version))
        });
        if self.rows.len() == before {
            return Err(Refusal::general("回放不存在"));
        }
        // Deleting the main version makes the original main again, if it is left.
        if self.main_row(request.room_id, session).is_none()
            && let Some(i) = self.row_index(request.room_id, session, Some(0))
            && let Some(r) = self.rows.get_mut(i)
        {
            r.main = true;
        }
        Ok(())
    }

    fn update_playback(&mut self, request: UpdatePlaybackParams) -> Result<(), Refusal> {
        let i = self.playback(request.room_id, request.session_id, None)?;
        if request.name.trim().is_empty() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: name 不能为空",
            ));
        }
        if let Some(r) = self.rows.get_mut(i) {
            r.name = request.name.as_str().into();
            if let Some(file) = &request.preface {
                let url = format!(
                    "https://img.example-cdn.com/playback/{}_{}",
                    r.video_id,
                    file.file_name()
                );
                r.preface = Some(url.into());
            }
        }
        Ok(())
    }

    fn get_crop_list(&mut self, request: GetCropListParams) -> Result<PlaybackPage, Refusal> {
        self.room(request.room_id)?;
        let mut rows: Vec<&Row> = self
            .rows_of(request.room_id, request.session_id.unwrap_or(NO_SESSION))
            .collect();
        rows.sort_by_key(|r| r.version);
        let list = page_of(
            &rows,
            request.page.unwrap_or(1),
            request.page_size.unwrap_or(100),
        )
        .into_iter()
        .map(|r| {
            let mut p = self.playback_record(r, true);
            p.playback_id = None;
            p
        })
        .collect();
        Ok(record!(PlaybackPage {
            total: count(rows.len()),
            list,
        }))
    }

    fn set_main_version(&mut self, request: SetMainVersionParams) -> Result<(), Refusal> {
        let i = self.playback(request.room_id, request.session_id, Some(request.version))?;
        let session = request.session_id.unwrap_or(NO_SESSION);
        for r in self
            .rows
            .iter_mut()
            .filter(|r| r.room_id == request.room_id && r.session_id == session)
        {
            r.main = false;
        }
        if let Some(r) = self.rows.get_mut(i) {
            r.main = true;
        }
        Ok(())
    }

    fn replace_playback(&mut self, request: ReplacePlaybackParams) -> Result<(), Refusal> {
        let source = self.playback(
            request.source_room_id,
            request.source_session_id,
            request.source_version,
        )?;
        self.room(request.target_room_id)?;
        let target_session = request.target_session_id.unwrap_or(NO_SESSION);
        let target = self.row_index(
            request.target_room_id,
            target_session,
            request.target_version,
        );
        let Some(src) = self.rows.get(source).cloned() else {
            return Err(Refusal::general("源回放不存在"));
        };
        let make_main = request.is_replace_main.unwrap_or(true);
        match (request.type_, target) {
            (ReplaceType::Replace, None) => Err(Refusal::general("目标回放不存在")),
            (ReplaceType::Add, Some(_)) => Err(Refusal::general("目标回放已存在")),
            (ReplaceType::Replace, Some(t)) => {
                if make_main {
                    for r in self.rows.iter_mut().filter(|r| {
                        r.room_id == request.target_room_id && r.session_id == target_session
                    }) {
                        r.main = false;
                    }
                }
                if let Some(r) = self.rows.get_mut(t) {
                    r.video_id = src.video_id;
                    r.length = src.length;
                    r.total_size = src.total_size;
                    r.transcode_size = src.transcode_size;
                    r.status = src.status;
                    r.main = r.main || make_main;
                }
                Ok(())
            }
            (ReplaceType::Add, None) => {
                let mut row = src;
                row.id = self.next_id;
                self.next_id += 1;
                row.room_id = request.target_room_id;
                row.session_id = target_session;
                row.version = request.target_version.unwrap_or(0);
                row.main = true;
                row.play_times = 0;
                self.insert_row(row);
                Ok(())
            }
            (other, _) => Err(Refusal::new(
                ErrorCode::InvalidParameter,
                format!("参数错误: type {}", i64::from(other)),
            )),
        }
    }

    fn replace_playback_by_video(
        &mut self,
        request: ReplacePlaybackByVideoParams,
    ) -> Result<(), Refusal> {
        if request.video_id != seed::VOD_VIDEO_ID {
            return Err(Refusal::general(format!(
                "点播视频{}不存在",
                request.video_id
            )));
        }
        let t = self
            .playback(
                request.target_room_id,
                request.target_session_id,
                request.target_version,
            )
            .map_err(|e| {
                if e.code == 1 {
                    Refusal::general("目标回放不存在，请先用API 14新增回放")
                } else {
                    e
                }
            })?;
        if let Some(r) = self.rows.get_mut(t) {
            r.video_id = request.video_id;
            r.status = PlaybackStatus::Transcoding;
        }
        Ok(())
    }

    fn get_record_time_node(
        &mut self,
        request: GetRecordTimeNodeParams,
    ) -> Result<RecordTimeNodes, Refusal> {
        self.room(request.room_id)?;
        let key = (request.room_id, request.session_id.unwrap_or(NO_SESSION));
        Ok(record!(RecordTimeNodes {
            time_node: self.time_nodes.get(&key).cloned().unwrap_or_default(),
        }))
    }
}

impl State {
    /// The rows `get_list` lists for `product` (every product line for `Unspecified`), with or
    /// without the cropped versions, in its order; deleted rooms' rows are left out.
    pub(crate) fn listed(&self, product: ProductType, crops: bool) -> impl Iterator<Item = &Row> {
        // The rooms listed, looked up once per call rather than once per row in the room map (a
        // generated account lists every row of every page's product line to count the total).
        let listed: std::collections::HashSet<RoomId> = self
            .rooms
            .iter()
            .filter(|(_, room)| {
                !room.deleted && (product == ProductType::Unspecified || room.product == product)
            })
            .map(|(id, _)| *id)
            .collect();
        self.rows
            .iter()
            .filter(move |r| (crops || r.version == 0) && listed.contains(&r.room_id))
    }

    /// A row as `get_list` (and, `with_crop`, `get_crop_list`) writes it.
    pub(crate) fn playback_record(&self, r: &Row, with_crop: bool) -> Playback {
        record!(Playback {
            playback_id: Some(r.id),
            room_id: r.room_id,
            session_id: Some(r.session_id),
            video_id: Some(r.video_id),
            name: Some(r.name.to_string()),
            status: r.status,
            create_time: Some(text_time(r.created)),
            length: Some(r.length),
            total_transcode_size: Some(r.transcode_size),
            play_times: Some(r.play_times),
            play_url: Some(self.play_url(r)),
            preface_url: Some(r.preface_url()),
            publish_status: Some(r.publish),
            version: Some(r.version),
            version_type: with_crop.then_some(if r.main {
                VersionType::Main
            } else {
                VersionType::NonMain
            }),
            crop_url: (with_crop && r.status == PlaybackStatus::Ready).then(|| {
                format!(
                    "{}/web/playback/crop?classid={}&version={}",
                    self.base_url, r.room_id, r.version
                )
            }),
        })
    }
}
