import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
// First: the base sheet, so the shell's and the features' sheets (imported by App) come after it.
import './styles.css'
import { ensureApi } from './api/ensure-api'
import { App } from './App'

ensureApi()
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
