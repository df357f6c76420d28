"""After-sales service for Saleor: returns, exchanges, repairs, warranty claims and complaints."""

__version__ = "0.1.0"
