"""painbot: answers runners' questions about high hamstring tendinopathy."""
