"""Reception / consultation (接待) and the appearance inspection report (产品外观检查报告)."""
