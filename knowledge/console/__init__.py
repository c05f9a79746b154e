"""The hotline staff console (审批导航热线台): suggestions while the caller talks, a short message
for the caller, and the queue of conversations that asked for a person."""
