//! The fake server's behaviour for the group `courseware` (`spec/courseware.yaml`).

use super::*;
use crate::service::*;

impl CoursewareService for State {
    fn get_playback_ppt_url_list(
        &mut self,
        request: GetPlaybackPptUrlListParams,
    ) -> Result<PptUrlList, Refusal> {
        let room = self.room(request.room_id)?.long_term;
        if room && request.date.is_none() {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 长期房间需要填写 date",
            ));
        }
        let list: Vec<PptUrl> = self
            .rows
            .iter()
            .filter(|r| r.room_id == request.room_id && r.status == PlaybackStatus::Ready)
            .filter(|r| {
                request
                    .date
                    .is_none_or(|d| text_time(r.created).date() == d)
            })
            .map(|r| self.ppt(r))
            .collect();
        Ok(record!(PptUrlList {
            total: Some(count(list.len())),
            list,
        }))
    }

    fn get_playback_ppt_url(
        &mut self,
        request: GetPlaybackPptUrlParams,
    ) -> Result<PptUrlList, Refusal> {
        self.room(request.room_id)?;
        let list: Vec<PptUrl> = self
            .rows_of(request.room_id, request.session_id.unwrap_or(NO_SESSION))
            .filter(|r| r.main && r.status == PlaybackStatus::Ready)
            .map(|r| self.ppt(r))
            .collect();
        Ok(record!(PptUrlList {
            total: Some(count(list.len())),
            list,
        }))
    }

    fn generate_courseware(
        &mut self,
        request: GenerateCoursewareParams,
    ) -> Result<CoursewareGeneration, Refusal> {
        self.playback(request.room_id, request.session_id, None)?;
        let calls = self
            .courseware_calls
            .entry((request.room_id, request.session_id.unwrap_or(NO_SESSION)))
            .or_insert(0);
        *calls = calls.saturating_add(1);
        let (status, msg) = match *calls {
            1 => (CoursewareStatus::Preparing, "准备中"),
            2 => (CoursewareStatus::InProgress, "进行中"),
            _ => (CoursewareStatus::Done, "完成"),
        };
        Ok(record!(CoursewareGeneration {
            status,
            status_msg: Some(msg.into()),
        }))
    }

    fn get_courseware_data(
        &mut self,
        request: GetCoursewareDataParams,
    ) -> Result<CoursewarePageList, Refusal> {
        let i = self.playback(request.room_id, request.session_id, None)?;
        if self
            .rooms
            .get(&request.room_id)
            .is_some_and(|r| r.product != ProductType::LargeClass)
        {
            return Err(Refusal::general("仅支持大班课班型回放"));
        }
        let video = self.rows.get(i).map_or(0, |r| r.video_id.0);
        let doc = record!(CoursewareDoc {
            id: format!("{}", 1_572_000 + video % 1000),
            name: Some("课件.pptx".into()),
            total_pages: Some(3),
            is_doc: Some(true),
            is_h5_doc: Some(false),
            number: Some(format!("{}", 1_572_000 + video % 1000)),
            url: Some(String::new()),
            url_prefix: Some(format!("https://img.example-cdn.com/doc/{video}")),
            ppt_url: Some(String::new()),
        });
        Ok(record!(CoursewarePageList {
            list: (0..3)
                .map(|p| record!(CoursewarePage {
                    page: Some(p),
                    time: Some(p * 180_503),
                    doc: Some(doc.clone()),
                }))
                .collect(),
        }))
    }
}

impl State {
    fn ppt(&self, r: &Row) -> PptUrl {
        record!(PptUrl {
            room_id: r.room_id,
            session_id: Some(r.session_id),
            version: Some(r.version),
            version_type: Some(if r.main {
                VersionType::Main
            } else {
                VersionType::NonMain
            }),
            ppt_url: Some(format!(
                "https://img.example-cdn.com/playback_ppt/{}_{}.pdf",
                r.room_id, r.session_id
            )),
        })
    }
}
