//! The fake server's behaviour for the group `validity` (`spec/validity.yaml`).

use super::*;
use crate::service::*;

impl ValidityService for State {
    fn get_valid_day(&mut self, request: GetValidDayParams) -> Result<ValidDays, Refusal> {
        let product = request.product_type.map_or(1, i64::from);
        let Some(ids) = &request.video_ids else {
            return Ok(record!(ValidDays {
                partner_valid_day: Some(
                    self.product_valid_days.get(&product).copied().unwrap_or(0),
                ),
                list: Some(BTreeMap::new()),
                expire_time_list: Some(BTreeMap::new()),
            }));
        };
        Ok(record!(ValidDays {
            partner_valid_day: Some(self.product_valid_days.get(&product).copied().unwrap_or(0)),
            list: Some(
                ids.iter()
                    .filter_map(|id| self.video_valid_days.get(id).map(|d| (*id, *d)))
                    .collect(),
            ),
            expire_time_list: Some(
                ids.iter()
                    .filter_map(|id| self.video_expiry.get(id).map(|t| (*id, *t)))
                    .collect(),
            ),
        }))
    }

    fn set_valid_day(&mut self, request: SetValidDayParams) -> Result<(), Refusal> {
        if request.valid_day < 0 {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: valid_day",
            ));
        }
        match &request.video_ids {
            Some(ids) => {
                if let Some(id) = ids
                    .iter()
                    .find(|id| !self.rows.iter().any(|r| r.video_id == **id))
                {
                    return Err(Refusal::general(format!("回放视频{id}不存在")));
                }
                for id in ids {
                    self.video_valid_days.insert(*id, request.valid_day);
                    self.video_expiry.remove(id);
                }
            }
            None => {
                let product = request.product_type.map_or(1, i64::from);
                self.product_valid_days.insert(product, request.valid_day);
            }
        }
        Ok(())
    }

    fn batch_set_expire_time(
        &mut self,
        request: BatchSetExpireTimeParams,
    ) -> Result<ExpireResult, Refusal> {
        let mut success_list = Vec::new();
        for setting in &request.data {
            if self.rows.iter().any(|r| r.video_id == setting.video_id) {
                self.video_expiry
                    .insert(setting.video_id, setting.expire_time);
                self.video_valid_days.remove(&setting.video_id);
                success_list.push(setting.video_id);
            }
        }
        Ok(record!(ExpireResult { success_list }))
    }
}
