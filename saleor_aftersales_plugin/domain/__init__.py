"""Facts, money and case state machines: pure Python, no Django or Saleor imports."""
