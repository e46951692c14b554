//! The fake server's behaviour for the group `callback_url` (`spec/callback_url.yaml`).

use super::*;
use crate::service::*;

impl CallbackUrlService for State {
    fn set_transcode_callback_url(
        &mut self,
        request: SetTranscodeCallbackUrlParams,
    ) -> Result<CallbackUrl, Refusal> {
        if !(request.url.starts_with("http://") || request.url.starts_with("https://")) {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 回调地址必须是http(s)://开头",
            ));
        }
        self.callback_url = Some(request.url.clone());
        Ok(record!(CallbackUrl {
            url: Some(request.url),
        }))
    }

    fn get_transcode_callback_url(
        &mut self,
        _request: GetTranscodeCallbackUrlParams,
    ) -> Result<CallbackUrl, Refusal> {
        Ok(record!(CallbackUrl {
            url: self.callback_url.clone(),
        }))
    }
}
