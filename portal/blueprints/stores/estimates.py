"""Estimates (委托安装估价单), revisions (追加), customer approval, service orders and invoices."""
