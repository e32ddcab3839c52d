import { useThemePreference } from '../hooks/useThemePreference.ts'
import { setThemePreference, type ThemePreference } from '../theme.ts'

const choices: { value: ThemePreference; label: string }[] = [
  { value: 'system', label: 'System theme' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

export function ThemePicker() {
  const preference = useThemePreference()
  return (
    <label className="theme-picker">
      <span className="visually-hidden">Theme</span>
      <select
        value={preference}
        onChange={(event) => setThemePreference(event.target.value as ThemePreference)}
      >
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  )
}
