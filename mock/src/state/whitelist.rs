//! The fake server's behaviour for the group `whitelist` (`spec/whitelist.yaml`).

use super::*;
use crate::service::*;

impl WhitelistService for State {
    fn add_session_whitelist(&mut self, request: AddSessionWhitelistParams) -> Result<(), Refusal> {
        if !self.room(request.room_id)?.long_term {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "无单独设置白名单权限",
            ));
        }
        self.playback(request.room_id, Some(request.session_id), None)?;
        self.check_users(&request.user_ids)?;
        self.session_whitelist
            .entry((request.room_id, request.session_id))
            .or_default()
            .extend(request.user_ids.iter().copied());
        Ok(())
    }

    fn delete_session_whitelist(
        &mut self,
        request: DeleteSessionWhitelistParams,
    ) -> Result<(), Refusal> {
        if !self.room(request.room_id)?.long_term {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "无单独设置白名单权限",
            ));
        }
        let list = self
            .session_whitelist
            .entry((request.room_id, request.session_id))
            .or_default();
        if let Some(missing) = request.user_ids.iter().find(|id| !list.contains(id)) {
            return Err(Refusal::general(format!("成员{missing}不存在")));
        }
        for id in &request.user_ids {
            list.remove(id);
        }
        Ok(())
    }

    fn get_session_whitelist(
        &mut self,
        request: GetSessionWhitelistParams,
    ) -> Result<WhitelistPage, Refusal> {
        self.room(request.room_id)?;
        let ids = self
            .session_whitelist
            .get(&(request.room_id, request.session_id));
        Ok(self.whitelist_page(ids, request.page, request.page_size))
    }

    fn add_room_whitelist(&mut self, request: AddRoomWhitelistParams) -> Result<(), Refusal> {
        self.room(request.room_id)?;
        self.check_users(&request.user_ids)?;
        self.room_whitelist
            .entry(request.room_id)
            .or_default()
            .extend(request.user_ids.iter().copied());
        Ok(())
    }

    fn get_room_whitelist(
        &mut self,
        request: GetRoomWhitelistParams,
    ) -> Result<WhitelistPage, Refusal> {
        self.room(request.room_id)?;
        let ids = self.room_whitelist.get(&request.room_id);
        Ok(self.whitelist_page(ids, request.page, request.page_size))
    }

    fn delete_room_whitelist(&mut self, request: DeleteRoomWhitelistParams) -> Result<(), Refusal> {
        self.room(request.room_id)?;
        let list = self.room_whitelist.entry(request.room_id).or_default();
        if let Some(missing) = request.user_ids.iter().find(|id| !list.contains(id)) {
            return Err(Refusal::general(format!("成员{missing}不存在")));
        }
        for id in &request.user_ids {
            list.remove(id);
        }
        Ok(())
    }
}

impl State {
    fn whitelist_page(
        &self,
        ids: Option<&BTreeSet<UserId>>,
        page: Option<i64>,
        size: Option<i64>,
    ) -> WhitelistPage {
        let users: Vec<WhitelistUser> = ids
            .into_iter()
            .flatten()
            .filter_map(|id| self.users.get(id).cloned())
            .collect();
        record!(WhitelistPage {
            total: count(users.len()),
            list: page_of(&users, page.unwrap_or(1), size.unwrap_or(20)),
        })
    }

    fn check_users(&self, ids: &[UserId]) -> Result<(), Refusal> {
        match ids.iter().find(|id| !self.users.contains_key(id)) {
            Some(id) => Err(Refusal::general(format!("用户{id}不存在"))),
            None => Ok(()),
        }
    }
}
