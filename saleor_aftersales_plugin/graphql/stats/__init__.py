"""KPIs of a channel for a period: cases per kind and status, SLA figures, escalations and every policy KPI."""
