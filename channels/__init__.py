"""Custom Rasa input channels (loaded by Rasa from bot/credentials.yml, e.g. channels.wechat.WeChatInput)."""
