from django.apps import AppConfig


class AfterSalesConfig(AppConfig):
    name = "saleor_aftersales_plugin"
    label = "saleor_aftersales_plugin"
    verbose_name = "After-sales"
    default_auto_field = "django.db.models.BigAutoField"
