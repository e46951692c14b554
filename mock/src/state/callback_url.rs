//! The fake server's behaviour for the group `callback_url` (`spec/callback_url.yaml`).

use super::*;
use crate::generated::service::CallbackUrlService;

impl CallbackUrlService for State {
    fn set_transcode_callback_url(
        &mut self,
        request: crate::callback_url::SetTranscodeCallbackUrlRequest,
    ) -> Result<CallbackUrl, Refusal> {
        if !(request.url.starts_with("http://") || request.url.starts_with("https://")) {
            return Err(Refusal::new(
                ErrorCode::InvalidParameter,
                "参数错误: 回调地址必须是http(s)://开头",
            ));
        }
        self.callback_url = Some(request.url.clone());
        Ok(CallbackUrl {
            url: Some(request.url),
        })
    }

    fn get_transcode_callback_url(
        &mut self,
        _request: crate::callback_url::GetTranscodeCallbackUrlRequest,
    ) -> Result<CallbackUrl, Refusal> {
        Ok(CallbackUrl {
            url: self.callback_url.clone(),
        })
    }
}
